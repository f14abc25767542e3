"""Feedback pages: the resident's one-time form (no sign-in) and the staff sections."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from activity_log.contacts import selectors as contact_selectors
from activity_log.feedback import reports as outcome_reports
from activity_log.feedback import selectors, services, texts
from activity_log.feedback.forms import AssessmentForm, FeedbackForm
from activity_log.feedback.models import FeedbackRequest, FeedbackResponse, RecoveryAssessment
from activity_log.models import Reminder
from activity_log.reports import charts
from activity_log.reports.forms import HouseFilterForm, ReportForm
from activity_log.reports.scope import Period, scope_for
from matching.models import Pairing
from mentoring_site import audit
from mentoring_site.i18n import override_for
from mentoring_site.roles import is_admin, mentor_required, staff_required
from mentors.models import Mentor
from residents.models import House, Resident
from residents.selectors import resident_for

# Per client IP, per window: generous for a house sharing one connection, useless for guessing
# (a token has 256 bits; this only keeps a script from hammering the database).
RATE_LIMIT = 30
RATE_WINDOW_SECONDS = 10 * 60
DUE_LIST_LIMIT = 200


def _rate_limited(request: HttpRequest) -> bool:
    ip = audit.client_ip(request) or "unknown"
    key = "feedback-rl:" + hashlib.sha256(ip.encode()).hexdigest()[:32]
    if cache.add(key, 1, RATE_WINDOW_SECONDS):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, RATE_WINDOW_SECONDS)
        return False
    return count > RATE_LIMIT


def _gone(request: HttpRequest, *, status: int = 404, reason: str = "gone") -> HttpResponse:
    return render(
        request, "activity_log/feedback/link_gone.html", {"reason": reason}, status=status
    )


def _in_language_of(resident: Resident, page) -> HttpResponse:
    """`page()` rendered in the resident's language (their profile's choice; without one, the
    browser's), and the response says which (LocaleMiddleware keeps a Content-Language set)."""
    with override_for(resident, default=translation.get_language()):
        response = page()
        response["Content-Language"] = translation.get_language()
    return response


@never_cache
def feedback_form(request: HttpRequest, token: str) -> HttpResponse:
    """The resident's form at /f/<token>/: anonymous, phone-first, single use, in the
    resident's language."""
    if _rate_limited(request):
        return _gone(request, status=429, reason="busy")
    feedback_request = selectors.open_request_for_token(token)
    if feedback_request is None:
        return _gone(request)
    return _in_language_of(
        feedback_request.resident, lambda: _feedback_page(request, token, feedback_request)
    )


def _feedback_page(
    request: HttpRequest, token: str, feedback_request: FeedbackRequest
) -> HttpResponse:
    form = FeedbackForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_submit(token=token, **form.cleaned_data)
        except services.LinkGone:
            return _gone(request)
        return render(request, "activity_log/feedback/thanks.html")
    mentor_name = feedback_request.pairing.mentor.user.display_first_name
    return render(
        request,
        "activity_log/feedback/form.html",
        {"form": form, "mentor_name": mentor_name},
        status=400 if form.is_bound else 200,
    )


# --- Staff: the resident page's section, slips, one answer ------------------------------------


@staff_required
def resident_feedback(request: HttpRequest, resident_id: int) -> HttpResponse:
    """The resident page's feedback slot (htmx): waiting requests, answers with comments."""
    resident = resident_for(request.user, resident_id)
    audit.mark_section(request, "view", resident, resident_id=resident.pk)
    pairing = Pairing.objects.filter(resident=resident).order_by("-started_on", "-id").first()
    return render(
        request,
        "activity_log/feedback/_resident_feedback.html",
        {
            "resident": resident,
            "pairing": pairing,
            "waiting": list(
                selectors.resident_requests(resident)[:10].prefetch_related(
                    Prefetch("texts", queryset=Reminder.objects.order_by("created_at"))
                )
            ),
            "responses": list(selectors.resident_responses(resident)[:50]),
            **_texting(resident),
        },
    )


def _texting(resident: Resident) -> dict:
    """Whether the resident's links can be texted, or why not (activity_log/feedback/texts.py)."""
    phone, why = texts.text_number(resident)
    return {"can_text": phone is not None, "cannot_text_why": why}


def _qr(link: str) -> str:
    """The link as an SVG QR code, drawn locally (no network)."""
    image = qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    # qrcode builds the SVG from the link alone: no user text reaches it.
    return mark_safe(image.to_string(encoding="unicode"))  # noqa: S308


def _slip(
    request: HttpRequest, feedback_request: FeedbackRequest, token: str, *, action: str
) -> HttpResponse:
    """The printable slip. Rendered in the POST's answer, so the token never sits in a URL
    the browser history or a log could keep."""
    link = request.build_absolute_uri(reverse("activity_log:feedback_form", args=[token]))
    audit.mark(request, action, feedback_request, resident_id=feedback_request.resident_id)
    response = render(
        request,
        "activity_log/feedback/slip.html",
        {
            "feedback_request": feedback_request,
            "link": link,
            "qr_svg": _qr(link),
            "days": settings.FEEDBACK_LINK_DAYS,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def _slip_error(request: HttpRequest, error: str) -> HttpResponse:
    """The slip page saying why no link was made (400: nothing was created)."""
    return render(request, "activity_log/feedback/slip.html", {"error": error}, status=400)


def _ask(request: HttpRequest, pairing: Pairing) -> HttpResponse:
    """A manager's request about `pairing`: its slip with a fresh link, or why it cannot be."""
    try:
        feedback_request, token = services.feedback_request_manual(pairing=pairing, by=request.user)
    except ValidationError as exc:
        return _slip_error(request, " ".join(exc.messages))
    return _slip(request, feedback_request, token, action="create")


@require_POST
@staff_required
def feedback_request_new(request: HttpRequest, resident_id: int) -> HttpResponse:
    """A manager asks for feedback now, about the resident's latest pairing."""
    resident = resident_for(request.user, resident_id)
    pairing = Pairing.objects.filter(resident=resident).order_by("-started_on", "-id").first()
    if pairing is None:
        return _slip_error(
            request, gettext("This resident has no mentor yet, so there is nothing to ask about.")
        )
    return _ask(request, pairing)


@require_POST
@staff_required
def feedback_request_for_pairing(request: HttpRequest, pairing_id: int) -> HttpResponse:
    """The same, from the pairing page: about this pairing (current or past)."""
    pairing = get_object_or_404(Pairing.objects.visible_to(request.user), pk=pairing_id)
    return _ask(request, pairing)


@require_POST
@staff_required
def feedback_request_slip(request: HttpRequest, request_id: int) -> HttpResponse:
    """Prints a waiting (automatic) request: a fresh link, shown this once."""
    feedback_request = get_object_or_404(
        FeedbackRequest.objects.filter(resident__in=Resident.objects.visible_to(request.user)),
        pk=request_id,
    )
    try:
        token = services.feedback_link_issue(request=feedback_request)
    except ValidationError as exc:
        return _slip_error(request, " ".join(exc.messages))
    return _slip(request, feedback_request, token, action="change")


@staff_required
def response_detail(request: HttpRequest, response_id: int) -> HttpResponse:
    response = get_object_or_404(
        FeedbackResponse.objects.visible_to(request.user).select_related(
            "resident__house", "mentor__user"
        ),
        pk=response_id,
    )
    audit.mark(request, "view", response, resident_id=response.resident_id)
    return render(request, "activity_log/feedback/response.html", {"response": response})


# --- Averages: per mentor for managers, own for the mentor --------------------------------------


@staff_required
def mentor_feedback(request: HttpRequest, mentor_id: int) -> HttpResponse:
    """The mentor page's feedback slot (htmx): managers of a house the mentor serves."""
    mentor = get_object_or_404(Mentor.objects.changeable_by(request.user), pk=mentor_id)
    return render(
        request,
        "activity_log/feedback/_averages.html",
        {"averages": selectors.mentor_averages(mentor), "minimum": selectors.MIN_RESPONSES},
    )


@mentor_required
def my_feedback(request: HttpRequest) -> HttpResponse:
    """My progress's feedback slot: the mentor's own averages, never answers or comments."""
    mentor = get_object_or_404(Mentor.objects.visible_to(request.user), user=request.user)
    return render(
        request,
        "activity_log/feedback/_averages.html",
        {
            "averages": selectors.mentor_averages(mentor),
            "minimum": selectors.MIN_RESPONSES,
            "own": True,
        },
    )


# --- Recovery capital ---------------------------------------------------------------------------


@staff_required
def resident_recovery(request: HttpRequest, resident_id: int) -> HttpResponse:
    """The resident page's recovery-capital slot (htmx): the totals over time, the change."""
    resident = resident_for(request.user, resident_id)
    audit.mark_section(request, "view", resident, resident_id=resident.pk)
    history = selectors.recovery_history(resident)
    day_month_year = pgettext("date format", "j M y")
    points = [
        (formats.date_format(a.taken_at, day_month_year), a.total) for a in history.assessments
    ]
    return render(
        request,
        "activity_log/feedback/_resident_recovery.html",
        {
            "resident": resident,
            "history": history,
            "chart": charts.column_chart(
                points, title=gettext("Recovery capital (BARC-10 total, 10-60)")
            )
            if points
            else "",
            "due": selectors.recovery_check_due(
                move_in_date=resident.move_in_date,
                latest=history.latest.taken_at if history.latest else None,
            ),
            **_texting(resident),
        },
    )


def _assessment_page(request, *, resident, form, action, status=200, **extra) -> HttpResponse:
    return render(
        request,
        "activity_log/feedback/assessment_form.html",
        {"resident": resident, "form": form, "action": action, **extra},
        status=status,
    )


def _assessment_entry(
    request: HttpRequest,
    resident: Resident,
    source: str,
    *,
    saved: Callable[[RecoveryAssessment], str],
    back: str,
) -> HttpResponse:
    """A recovery check entered by staff or the mentor: the form, or once saved the message
    `saved(assessment)` on the page `back` (which is also the form's way back)."""
    form = AssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        assessment = services.assessment_record(
            resident=resident, answers=form.answers(), source=source, entered_by=request.user
        )
        audit.mark(request, "create", assessment, resident_id=resident.pk)
        messages.success(request, saved(assessment))
        return redirect(back)
    audit.mark(request, "view", resident, resident_id=resident.pk)
    return _assessment_page(
        request,
        resident=resident,
        form=form,
        action=request.path,
        status=400 if form.is_bound else 200,
        back=back,
    )


@staff_required
def assessment_new(request: HttpRequest, resident_id: int) -> HttpResponse:
    """A manager enters a recovery check with the resident."""
    resident = resident_for(request.user, resident_id)
    return _assessment_entry(
        request,
        resident,
        RecoveryAssessment.Source.MANAGER,
        saved=lambda assessment: (
            gettext("Recovery check saved: %(total)s of 60.") % {"total": assessment.total}
        ),
        back=reverse("residents:detail", args=[resident.pk]),
    )


@mentor_required
def assessment_new_by_mentor(request: HttpRequest, pairing_id: int) -> HttpResponse:
    """The mentor enters a recovery check during a contact: only on a current pairing of
    theirs, and only while the resident consents to share goals and assessments."""
    pairing = get_object_or_404(
        Pairing.objects.visible_to(request.user)
        .current()
        .filter(mentor__user=request.user)
        .select_related("resident__house", "mentor"),
        pk=pairing_id,
    )
    resident = pairing.resident
    if not contact_selectors.mentor_sees_goals(request.user, resident):
        return render(request, "activity_log/feedback/assessment_no_consent.html", status=403)
    return _assessment_entry(
        request,
        resident,
        RecoveryAssessment.Source.MENTOR,
        saved=lambda assessment: gettext("Recovery check saved. Thank you."),
        back=reverse("activity_log:my_mentees"),
    )


@require_POST
@staff_required
def assessment_link_new(request: HttpRequest, resident_id: int) -> HttpResponse:
    """A slip with a one-time link for the resident to take the check on their phone."""
    resident = resident_for(request.user, resident_id)
    token = services.assessment_link_issue(resident=resident, by=request.user)
    link = request.build_absolute_uri(reverse("activity_log:assessment_by_link", args=[token]))
    audit.mark(request, "create", resident, resident_id=resident.pk)
    response = render(
        request,
        "activity_log/feedback/slip.html",
        {
            "link": link,
            "qr_svg": _qr(link),
            "days": settings.FEEDBACK_LINK_DAYS,
            "heading": gettext("Your recovery check"),
            "intro": gettext(
                "Scan the code with your phone's camera and answer ten short statements."
            ),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
def assessment_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The resident's own recovery check at /f/r/<token>/ (anonymous, single use)."""
    if _rate_limited(request):
        return _gone(request, status=429, reason="busy")
    link = selectors.open_assessment_link(token)
    if link is None:
        return _gone(request)
    return _in_language_of(link.resident, lambda: _assessment_by_link_page(request, token))


def _assessment_by_link_page(request: HttpRequest, token: str) -> HttpResponse:
    form = AssessmentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_submit_by_link(token=token, answers=form.answers())
        except services.LinkGone:
            return _gone(request)
        return render(request, "activity_log/feedback/thanks.html")
    return _assessment_page(
        request, resident=None, form=form, action=request.path, status=400 if form.is_bound else 200
    )


@staff_required
def recovery_due(request: HttpRequest) -> HttpResponse:
    """Everyone the dashboard counts as due for a recovery check (names, houses, dates)."""
    houses = list(House.objects.visible_to(request.user))
    form = HouseFilterForm(request.GET or None, houses=houses)
    scope = scope_for(request.user, form.house_id(), houses, all_houses=is_admin(request.user))
    due = selectors.residents_due_recovery_check(scope, limit=DUE_LIST_LIMIT)
    # Each row's words from one translation and one format (a {% blocktranslate %} per row cost
    # about half the page's time at 200 rows).
    moved_in, day_format = gettext("moved in %(day)s"), pgettext("date format", "M j, Y")
    for resident in due.rows:
        resident.moved_in = moved_in % {
            "day": formats.date_format(resident.move_in_date, day_format)
        }
    # Names and houses only, like the dashboard's lists: one row for the page.
    audit.mark(request, "view", "activity_log.recovery_due")
    return render(request, "activity_log/feedback/recovery_due.html", {"due": due})


# --- Outcome report -----------------------------------------------------------------------------


@staff_required
def outcomes_report(request: HttpRequest) -> HttpResponse:
    """Feedback, recovery capital and goals for a period: small cells suppressed."""
    houses = list(House.objects.visible_to(request.user))
    data = request.GET.copy()
    if not data.get("start") and not data.get("end"):
        today = timezone.localdate()
        data["start"] = (today - dt.timedelta(days=89)).isoformat()
        data["end"] = today.isoformat()
    form = ReportForm(data, houses=houses)
    outcomes = None
    if form.is_valid():
        scope = scope_for(
            request.user, form.cleaned_data["house"], houses, all_houses=is_admin(request.user)
        )
        period = Period(form.cleaned_data["start"], form.cleaned_data["end"])
        outcomes = outcome_reports.cached_build(scope, period)
    audit.mark(request, "view", "report.outcomes")
    return render(
        request,
        "activity_log/feedback/outcomes.html",
        {"form": form, "outcomes": outcomes},
        status=200 if form.is_valid() else 400,
    )
