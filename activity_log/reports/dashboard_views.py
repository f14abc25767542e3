"""Manager dashboard: what needs attention today, and program health for 30 and 90 days."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from activity_log.contacts.concerns import concern_acknowledge
from activity_log.feedback import selectors as feedback_selectors
from activity_log.groups import selectors as group_selectors
from activity_log.models import ContactLog
from activity_log.reports import attention, charts, health_cache
from activity_log.reports.forms import AcknowledgeForm, HouseFilterForm
from activity_log.reports.health import Health
from activity_log.reports.scope import Scope, scope_for
from mentoring_site import audit, page_cache
from mentoring_site.roles import is_admin, staff_required
from residents.models import House


def _filter_scope(request: HttpRequest, data) -> tuple[HouseFilterForm, Scope, list[House]]:
    houses = list(House.objects.visible_to(request.user))
    form = HouseFilterForm(data, houses=houses)
    scope = scope_for(request.user, form.house_id(), houses, all_houses=is_admin(request.user))
    return form, scope, houses


def _render_dashboard(
    request: HttpRequest,
    *,
    data=None,
    failed_ack: tuple[int, AcknowledgeForm] | None = None,
) -> HttpResponse:
    """The "needs attention" page; program health loads from its own URL (htmx)."""
    form, scope, houses = _filter_scope(request, data if data is not None else request.GET or None)

    def render_lists(csrf_token: str) -> tuple[str, None]:
        context = _attention_context(request, scope, houses, failed_ack)
        context["csrf_token"] = csrf_token
        html = render_to_string("activity_log/_dashboard_attention.html", context, request=request)
        return html, None

    if failed_ack:
        # The typed note and its error: this request's own, never kept.
        lists = mark_safe(render_lists(get_token(request))[0])  # noqa: S308 - template output
    else:
        lists, _none = page_cache.part(
            request,
            "dashboard",
            keys=scope.version_houses(),
            vary=(scope.house_id, is_admin(request.user)),
            render=render_lists,
        )
    context = {
        "filter_form": form,
        "house_id": scope.house_id,
        "attention_lists": lists,
    }
    audit.mark(request, "view", "dashboard")
    return render(request, "activity_log/dashboard.html", context)


def _attention_context(
    request: HttpRequest,
    scope: Scope,
    houses: list[House],
    failed_ack: tuple[int, AcknowledgeForm] | None,
) -> dict:
    """What `_dashboard_attention.html` shows: the lists, read now."""
    today, now = attention.today_and_now()
    return {
        "house_id": scope.house_id,
        "is_admin": is_admin(request.user),
        "urgent": attention.urgent_concerns(scope),
        "overdue": attention.overdue_checkins(scope, now),
        "waiting": attention.residents_waiting(scope, today),
        "training": health_cache.cached_mentors_needing_training(
            scope, today, user_pk=request.user.pk
        ),
        "failed": attention.failed_reminders(scope, now),
        "failing_houses": attention.failing_houses(scope, now),
        # From the houses already loaded for the filter: no query. Their pages and reminders
        # use the program zone until an admin corrects the value (residents.models.House.zone).
        "unknown_zone_houses": [
            house
            for house in houses
            if not house.zone_is_known and scope.house_id in (None, house.pk)
        ],
        "program_time_zone": settings.TIME_ZONE,
        "groups": group_selectors.attention(scope, now),
        "feedback": feedback_selectors.needs_attention(scope, now=now),
        # The card shows only how many (the list is on its own page).
        "recovery_due": attention.Capped(
            rows=[],
            total=feedback_selectors.count_residents_due_recovery_check(scope, now=now),
        ),
        "failed_ack_id": failed_ack[0] if failed_ack else None,
        "failed_ack_form": failed_ack[1] if failed_ack else None,
        "today": today,
    }


@staff_required
def dashboard_health(request: HttpRequest) -> HttpResponse:
    """Program health for the last 30 and 90 days: an htmx partial, or a page of its own."""
    form, scope, _houses = _filter_scope(request, request.GET or None)
    health = health_cache.cached_health(scope, user_pk=request.user.pk)
    # Day and short month in the page's language ("3 Nov", "3 nov").
    day_month = pgettext("date format", "j M")
    week_points = [(formats.date_format(start, day_month), n) for start, n in health.weeks]
    context = {
        "filter_form": form,
        "house_id": scope.house_id,
        "health": health,
        "health_rows": _health_rows(health),
        "consistency": health.consistency,
        "consistency_more": max(health.consistency_listed - len(health.consistency), 0),
        "weekly_chart": charts.column_chart(
            week_points, title=_("Contacts per week, last 13 weeks (week starting)")
        ),
    }
    audit.mark(request, "view", "dashboard")
    template = (
        "activity_log/_dashboard_health.html"
        if getattr(request, "htmx", False)
        else "activity_log/dashboard_health.html"
    )
    return render(request, template, context)


def _health_rows(health: Health) -> list[tuple[str, str, str]]:
    def pct(value: float | None) -> str:
        return "—" if value is None else f"{round(value * 100)}%"

    def number(value) -> str:
        return formats.number_format(value, use_l10n=True, force_grouping=True)

    rows = []
    on_time = health.on_time
    rows.append(
        (
            _("Check-ins on time"),
            pct(on_time["d30"]["share"]),
            pct(on_time["d90"]["share"]),
        )
    )
    rows.append(
        (_("Contacts made"), number(health.contacts["d30"]), number(health.contacts["d90"]))
    )
    rows.append(
        (_("Pairings active"), number(health.pairings["d30"]), number(health.pairings["d90"]))
    )
    rows.append(
        (
            _("Residents with a mentor"),
            pct(health.mentored_share("d30")),
            pct(health.mentored_share("d90")),
        )
    )
    rows.append((_("Volunteer hours"), number(health.hours["d30"]), number(health.hours["d90"])))
    return rows


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return _render_dashboard(request)


def _get_urgent_concern_for_user(request: HttpRequest, pk: int) -> ContactLog:
    try:
        return (
            ContactLog.objects.visible_to(request.user)
            .select_related("pairing")
            .get(pk=pk, concern_level=ContactLog.Concern.URGENT)
        )
    except ContactLog.DoesNotExist as exc:
        raise Http404 from exc


def _dashboard_url(house_id: str | None) -> str:
    url = reverse("activity_log:dashboard")
    return f"{url}?{urlencode({'house': house_id})}" if house_id else url


@staff_required
@require_POST
def acknowledge_concern(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _get_urgent_concern_for_user(request, pk)
    house = request.POST.get("house") or None
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        if contact.acknowledged_at is not None:
            messages.info(request, _("This concern was already acknowledged."))
            return redirect(_dashboard_url(house))
        try:
            concern_acknowledge(contact=contact, user=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            if contact.acknowledged_at is not None:
                messages.info(request, _("This concern was already acknowledged."))
                return redirect(_dashboard_url(house))
            form.add_error(None, exc)
        else:
            audit.mark(request, "change", contact, resident_id=contact.pairing.resident_id)
            messages.success(request, _("Concern acknowledged. It has left the list."))
            return redirect(_dashboard_url(house))
    return _render_dashboard(
        request, data={"house": house} if house else None, failed_ack=(contact.pk, form)
    )
