"""Resident pages for house managers and program admins. Mentors and outsiders get 404."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mentoring_site import audit, page_cache
from mentoring_site.links import id_url, id_url_of
from mentoring_site.roles import is_admin, staff_required
from mentoring_site.search import redirect_with_filters, search_remember, search_term
from residents import selectors, services
from residents.forms import (
    ConsentForm,
    ExitForm,
    GoalForm,
    GoalProgressForm,
    ResidentIntakeForm,
    ResidentProfileForm,
    SearchForm,
)
from residents.list_rows import house_options, resident_rows
from residents.models import ConsentRecord, House, RecoveryGoal, Resident
from residents.selectors import resident_for

PAGE_SIZE = 25
SEARCH_SESSION_KEY = "residents:search"


def _get_goal_for_user(request: HttpRequest, pk: int, goal_pk: int) -> RecoveryGoal:
    resident = resident_for(request.user, pk)
    goal = get_object_or_404(RecoveryGoal.objects.filter(resident=resident), pk=goal_pk)
    goal.resident = resident
    return goal


def _get_consent_for_user(request: HttpRequest, pk: int, consent_pk: int) -> ConsentRecord:
    resident = resident_for(request.user, pk)
    consent = get_object_or_404(ConsentRecord.objects.filter(resident=resident), pk=consent_pk)
    consent.resident = resident
    return consent


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


class CountedPaginator(Paginator):
    """Pages `object_list` but counts `count_from` (the same rows without their joins)."""

    def __init__(self, object_list, per_page, count_from) -> None:
        super().__init__(object_list, per_page)
        self.count_from = count_from

    @cached_property
    def count(self) -> int:
        return self.count_from.count()


@staff_required
def resident_list(request: HttpRequest) -> HttpResponse:
    """Search terms arrive by POST and live in the session, so names never reach a URL or log."""
    if request.method == "POST":
        search_remember(request, SEARCH_SESSION_KEY, SearchForm(request.POST))
        return redirect_with_filters(request, reverse("residents:list"))

    search = search_term(request, SEARCH_SESSION_KEY)
    houses = list(House.objects.visible_to(request.user).values_list("id", "name"))
    house_id = _int_or_none(request.GET.get("house"))
    if house_id not in {pk for pk, _name in houses}:
        house_id = None
    status = request.GET.get("status", "active")
    if status not in selectors.STATUS_FILTERS:
        status = "active"
    sort = request.GET.get("sort", "name")
    if sort not in selectors.SORTS:
        sort = "name"

    def render_body(csrf_token: str) -> tuple[str, None]:
        residents = selectors.resident_list(
            user=request.user, search=search, house_id=house_id, status=status, sort=sort
        )
        paginator = CountedPaginator(selectors.with_list_columns(residents), PAGE_SIZE, residents)
        page = paginator.get_page(request.GET.get("page"))
        today = timezone.localdate()
        page.object_list = list(page.object_list)
        filters = request.GET.copy()
        filters.pop("page", None)
        context = {
            "page": page,
            "house_options": house_options(houses, house_id),
            "rows": resident_rows(page.object_list, today, dict(houses)),
            "house_id": house_id,
            "status": status,
            "sort": sort,
            "search": search,
            "filter_query": filters.urlencode(),
            "statuses": [(s, label) for s, label in Resident.Status.choices]
            + [("all", _("All statuses"))],
            "sorts": [
                ("name", _("Name A-Z")),
                ("-name", _("Name Z-A")),
                ("-move_in", _("Newest move-in")),
                ("move_in", _("Oldest move-in")),
            ],
            "today": today,
            "csrf_token": csrf_token,
        }
        return render_to_string("residents/_list_body.html", context, request=request), None

    # Kept (mentoring_site/page_cache.py) while nothing in the houses listed changes; the
    # houses one may see are read above on every request and are the key.
    body, _none = page_cache.part(
        request,
        "resident-list",
        keys=None if is_admin(request.user) else tuple(pk for pk, _name in houses),
        vary=(search, house_id, status, sort, request.GET.urlencode()),
        render=render_body,
    )
    audit.mark(request, "view", "residents.resident_list")
    return render(request, "residents/list.html", {"body": body})


@staff_required
def resident_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        key = _valid_uuid(request.POST.get("intake_key"))
        if key is None:
            # No usable one-time key: give the form a fresh one and ask to submit once more.
            data = request.POST.copy()
            data["intake_key"] = str(uuid.uuid4())
            form = ResidentIntakeForm(data, user=request.user)
            form.is_valid()
            form.add_error(None, _("This form had expired. Check the details and submit again."))
            audit.mark_shown(request, form.duplicates)
            return render(request, "residents/intake.html", {"form": form})
        # A resent form (double click, back + submit) lands on the resident it created.
        existing = (
            Resident.objects.visible_to(request.user)
            .filter(created_by=request.user, intake_key=key)
            .first()
        )
        if existing is not None:
            messages.info(request, _("%(name)s was already admitted.") % {"name": existing})
            return redirect("residents:detail", existing.pk)
        form = ResidentIntakeForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.profile_data()
            try:
                resident, created = services.resident_create(
                    user=request.user,
                    intake_key=form.cleaned_data["intake_key"],
                    **data,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                audit.mark(
                    request, "create" if created else "view", resident, resident_id=resident.pk
                )
                if created:
                    messages.success(
                        request,
                        _("%(name)s was admitted to %(house)s.")
                        % {"name": resident, "house": resident.house},
                    )
                return redirect("residents:detail", resident.pk)
    else:
        houses = House.objects.visible_to(request.user)
        initial = {"intake_key": uuid.uuid4(), "move_in_date": timezone.localdate()}
        house_id = _int_or_none(request.GET.get("house"))
        if house_id and houses.filter(pk=house_id).exists():
            initial["house"] = house_id
        form = ResidentIntakeForm(user=request.user, initial=initial)
    # The duplicate-name warning shows those residents' names and move-in dates.
    audit.mark_shown(request, form.duplicates)
    return render(request, "residents/intake.html", {"form": form})


def _valid_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


# Stands for this request's own audit-visit token in a kept resident page; random per process.
VISIT_PLACEHOLDER = f"visit-{secrets.token_hex(16)}"


@staff_required
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The resident's page. Its body is kept by the page cache (mentoring_site/page_cache.py)
    per user while nothing in the resident's house changes; the house is known from the last
    render (a resident who moved changes both houses' versions, and a render that finds the
    resident elsewhere is not kept). Every request marks its visit in the audit trail."""
    where = f"resident-house|{pk}"
    house_id = page_cache.store.get(where)

    def render_body(csrf_token: str) -> tuple[str, tuple[int | None, str]]:
        try:
            resident = selectors.resident_for_page(user=request.user, pk=pk)
        except Resident.DoesNotExist:
            raise Http404 from None
        context = _detail_context(resident)
        # The sections send it back: one audit row for the visit (mentoring_site/audit.py).
        context |= {"audit_visit": VISIT_PLACEHOLDER, "csrf_token": csrf_token}
        html = render_to_string("residents/_detail_body.html", context, request=request)
        return html, (resident.house_id, resident.preferred_name)

    body, (found_house, name) = page_cache.part(
        request,
        "resident-page",
        keys=None if house_id is None else (house_id,),
        vary=(pk,),
        render=render_body,
        keep=lambda extra: house_id is not None and extra[0] == house_id,
    )
    if found_house != house_id and found_house is not None:
        page_cache.store.set(
            where, found_house, settings.PAGE_CACHE_SECONDS, settings.PAGE_CACHE_ENTRIES
        )
    body = body.replace(VISIT_PLACEHOLDER, audit.visit_token(request, pk))
    audit.mark(request, "view", Resident(pk=pk), resident_id=pk)
    context = {"body": mark_safe(body), "resident_name": name}  # noqa: S308 - template output
    return render(request, "residents/detail.html", context)


def _detail_context(resident: Resident) -> dict:
    today = timezone.localdate()
    consents = selectors.consents_for_page(resident)
    current = consents[0] if consents else None  # as Resident.current_consent()
    goals = selectors.goals_with_steps(resident)
    # An open goal's four buttons: their URLs at the cost of four reverse() for all goals.
    goal_urls = {
        name: id_url_of(f"residents:goal_{name}", resident.pk)
        for name in ("progress", "edit", "achieve", "drop")
    }
    for goal in goals:
        if goal.is_open:
            goal.urls = {name: url(goal.pk) for name, url in goal_urls.items()}
    languages, pathways = selectors.languages_and_pathways(resident)
    return {
        "resident": resident,
        "today": today,
        "days_in_residence": resident.days_in_residence(today),
        "languages": languages,
        "pathways": pathways,
        "consents": consents,
        "current_consent": current,
        "consent_state": current.state(today) if current else ConsentRecord.State.NONE,
        # Open goals first.
        "goals": [g for g in goals if g.is_open] + [g for g in goals if not g.is_open],
        "slots": _resident_slots(resident.pk),
    }


def _resident_slots(pk: int) -> list[dict[str, str]]:
    """The resident page's cards that load after the page (htmx): one loop in the template,
    each URL from `id_url` (the page drew five includes and five `{% url %}` before)."""
    return [
        {"name": name, "title": title, "url": id_url(url_name, pk), "loading": loading}
        for name, url_name, title, loading in (
            (
                "pairings",
                "matching:resident_pairings",
                _("Mentor pairings"),
                _("Loading pairings…"),
            ),
            (
                "timeline",
                "activity_log:resident_timeline",
                _("Contact timeline"),
                _("Loading contacts…"),
            ),
            (
                "groups",
                "groups:resident_attendance",
                _("Group sessions"),
                _("Loading attendance…"),
            ),
            (
                "feedback",
                "activity_log:feedback_resident",
                _("Feedback on mentoring"),
                _("Loading feedback…"),
            ),
            (
                "recovery",
                "activity_log:recovery_resident",
                _("Recovery capital"),
                _("Loading recovery checks…"),
            ),
        )
    ]


@staff_required
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = resident_for(request.user, pk)
    if request.method == "POST":
        form = ResidentProfileForm(request.POST, instance=resident, user=request.user)
        if form.is_valid():
            data = form.profile_data()
            languages, pathways = data.pop("languages"), data.pop("pathways")
            try:
                services.resident_update(
                    resident=resident, languages=languages, pathways=pathways, **data
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                audit.mark(request, "change", resident, resident_id=resident.pk)
                messages.success(request, _("Profile saved."))
                return redirect("residents:detail", resident.pk)
    else:
        form = ResidentProfileForm(instance=resident, user=request.user)
    audit.mark(request, "view", resident, resident_id=resident.pk)
    return render(request, "residents/edit.html", {"form": form, "resident": resident})


@staff_required
def resident_exit(request: HttpRequest, pk: int) -> HttpResponse:
    """Two steps: the form, then a confirmation page; only the confirmed POST changes anything."""
    resident = resident_for(request.user, pk)
    if not resident.is_active:
        messages.info(request, _("%(name)s has already left the house.") % {"name": resident})
        return redirect("residents:detail", resident.pk)
    confirming = False
    if request.method == "POST":
        form = ExitForm(request.POST, resident=resident)
        if form.is_valid():
            if form.cleaned_data["confirmed"]:
                try:
                    services.resident_exit(
                        resident=resident,
                        status=form.cleaned_data["status"],
                        exit_date=form.cleaned_data["exit_date"],
                        reason=form.cleaned_data["reason"],
                        user=request.user,
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    audit.mark(request, "change", resident, resident_id=resident.pk)
                    messages.success(
                        request,
                        _("%(name)s is recorded as %(status)s.")
                        % {"name": resident, "status": resident.get_status_display()},
                    )
                    return redirect("residents:detail", resident.pk)
            else:
                confirming = True
    else:
        form = ExitForm(resident=resident, initial={"exit_date": timezone.localdate()})
    audit.mark(request, "view", resident, resident_id=resident.pk)
    context = {"form": form, "resident": resident, "confirming": confirming}
    if confirming:
        context["status_label"] = Resident.Status(form.cleaned_data["status"]).label
    return render(request, "residents/exit.html", context)


@staff_required
def consent_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a new consent; `?renew=1` starts from the current one, granted today for a year."""
    resident = resident_for(request.user, pk)
    renewing = request.GET.get("renew") == "1"
    if request.method == "POST":
        form = ConsentForm(request.POST)
        if form.is_valid():
            try:
                consent = services.consent_record(
                    resident=resident, user=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                audit.mark(request, "create", consent, resident_id=resident.pk)
                messages.success(request, _("Consent recorded."))
                return redirect(reverse("residents:detail", args=[resident.pk]) + "#consent")
    else:
        today = timezone.localdate()
        initial = {"granted_on": today, "expires_on": _one_year_after(today)}
        current = ConsentRecord.objects.filter(resident=resident).first() if renewing else None
        if current is not None:
            initial |= {
                "shares_contact_details": current.shares_contact_details,
                "shares_goals": current.shares_goals,
            }
        form = ConsentForm(initial=initial)
    audit.mark(request, "view", resident, resident_id=resident.pk)
    return render(
        request,
        "residents/consent_form.html",
        {"form": form, "resident": resident, "renewing": renewing},
    )


def _one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day + dt.timedelta(days=365)


@staff_required
@require_POST
def consent_revoke(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    consent = _get_consent_for_user(request, pk, consent_pk)
    try:
        services.consent_revoke(consent=consent, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        audit.mark(request, "change", consent, resident_id=consent.resident_id)
        messages.success(
            request, _("Consent revoked: mentors no longer see contact details or goals.")
        )
    return redirect(reverse("residents:detail", args=[pk]) + "#consent")


@staff_required
def goal_create(request: HttpRequest, pk: int) -> HttpResponse:
    resident = resident_for(request.user, pk)
    if request.method == "POST":
        form = GoalForm(request.POST)
        if form.is_valid():
            try:
                goal = services.goal_create(resident=resident, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                audit.mark(request, "create", goal, resident_id=resident.pk)
                messages.success(request, _("Goal added."))
                return redirect(reverse("residents:detail", args=[resident.pk]) + "#goals")
    else:
        form = GoalForm()
    audit.mark(request, "view", resident, resident_id=resident.pk)
    return render(request, "residents/goal_form.html", {"form": form, "resident": resident})


@staff_required
def goal_edit(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    goal = _get_goal_for_user(request, pk, goal_pk)
    resident = goal.resident
    if request.method == "POST":
        form = GoalForm(request.POST, instance=goal)
        if form.is_valid():
            try:
                services.goal_update(goal=goal, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                audit.mark(request, "change", goal, resident_id=resident.pk)
                messages.success(request, _("Goal updated."))
                return redirect(reverse("residents:detail", args=[resident.pk]) + "#goals")
    else:
        form = GoalForm(instance=goal)
    audit.mark(request, "view", goal, resident_id=resident.pk)
    return render(
        request, "residents/goal_form.html", {"form": form, "resident": resident, "goal": goal}
    )


def _close_goal(request: HttpRequest, pk: int, goal_pk: int, status: str) -> HttpResponse:
    goal = _get_goal_for_user(request, pk, goal_pk)
    try:
        services.goal_close(goal=goal, status=status, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        audit.mark(request, "change", goal, resident_id=goal.resident_id)
        messages.success(
            request, _("Goal marked %(status)s.") % {"status": goal.get_status_display().lower()}
        )
    return redirect(reverse("residents:detail", args=[pk]) + "#goals")


@staff_required
@require_POST
def goal_achieve(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    return _close_goal(request, pk, goal_pk, RecoveryGoal.Status.ACHIEVED)


@staff_required
@require_POST
def goal_drop(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    return _close_goal(request, pk, goal_pk, RecoveryGoal.Status.DROPPED)


@staff_required
def goal_progress(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    """Record where an open goal stands, with an optional short note (its history grows)."""
    goal = _get_goal_for_user(request, pk, goal_pk)
    form = GoalProgressForm(request.POST or None)
    # The page shows the goal (a refused form too); a saved step replaces this with "change".
    audit.mark(request, "view", goal, resident_id=goal.resident_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.goal_progress_record(goal=goal, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            audit.mark(request, "change", goal, resident_id=goal.resident_id)
            messages.success(request, _("Progress recorded."))
            return redirect(reverse("residents:detail", args=[pk]) + "#goals")
    history = list(goal.progress.select_related("by"))
    return render(
        request,
        "residents/goal_progress.html",
        {"form": form, "goal": goal, "resident": goal.resident, "history": history},
        status=400 if form.is_bound else 200,
    )


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
