"""Staff: have a resident's feedback or recovery-check link texted to them (activity_log/feedback/
texts.py). Each answers with a message on the resident page; nothing personal goes in a URL.
Each request writes one audit row: what it created or changed, or "view" when it was refused
(the answer still names the resident)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activity_log.feedback import services, texts
from activity_log.feedback.models import FeedbackRequest
from matching.models import Pairing
from mentoring_site import audit
from mentoring_site.roles import staff_required
from residents.models import Resident


def _back(resident_id: int) -> HttpResponse:
    return redirect("residents:detail", resident_id)


def _queue_feedback_text(request: HttpRequest, feedback_request: FeedbackRequest) -> bool:
    """Queues the text and says so; True when this request queued it (the link will change)."""
    name = feedback_request.resident.preferred_name
    try:
        queued = texts.feedback_link_text(feedback_request=feedback_request, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    if queued:
        messages.success(
            request,
            _(
                "A feedback link will be texted to %(name)s (after quiet hours if it is night there)."
            )
            % {"name": name},
        )
    else:
        messages.info(
            request, _("This feedback link was already texted to %(name)s.") % {"name": name}
        )
    return queued


@require_POST
@staff_required
def feedback_request_text(request: HttpRequest, request_id: int) -> HttpResponse:
    """Texts a waiting request's link (a fresh one: a slip printed before stops working)."""
    feedback_request = get_object_or_404(
        FeedbackRequest.objects.filter(
            resident__in=Resident.objects.visible_to(request.user)
        ).select_related("resident"),
        pk=request_id,
    )
    queued = _queue_feedback_text(request, feedback_request)
    audit.mark(
        request,
        "change" if queued else "view",
        feedback_request,
        resident_id=feedback_request.resident_id,
    )
    return _back(feedback_request.resident_id)


@require_POST
@staff_required
def feedback_request_new_text(request: HttpRequest, resident_id: int) -> HttpResponse:
    """Asks for feedback now, about the resident's latest pairing, by text."""
    resident = get_object_or_404(Resident.objects.visible_to(request.user), pk=resident_id)
    phone, why = texts.text_number(resident)
    pairing = Pairing.objects.filter(resident=resident).order_by("-started_on", "-id").first()
    feedback_request = None
    if phone is None:
        messages.error(
            request,
            _("We cannot text %(name)s: %(why)s.") % {"name": resident.preferred_name, "why": why},
        )
    elif pairing is None:
        messages.error(
            request, _("This resident has no mentor yet, so there is nothing to ask about.")
        )
    else:
        try:
            feedback_request, _token = services.feedback_request_manual(
                pairing=pairing, by=request.user, issue_link=False
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    if feedback_request is None:
        audit.mark(request, "view", resident, resident_id=resident.pk)
        return _back(resident.pk)
    audit.mark(request, "create", feedback_request, resident_id=resident.pk)
    _queue_feedback_text(request, feedback_request)
    return _back(resident.pk)


@require_POST
@staff_required
def recovery_link_text(request: HttpRequest, resident_id: int) -> HttpResponse:
    """Texts the resident a new one-time recovery-check link (once a day at most)."""
    resident = get_object_or_404(Resident.objects.visible_to(request.user), pk=resident_id)
    name = resident.preferred_name
    try:
        queued = texts.recovery_link_text(resident=resident, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        queued = None
    audit.mark(request, "create" if queued else "view", resident, resident_id=resident.pk)
    if queued:
        messages.success(
            request, _("A recovery-check link will be texted to %(name)s.") % {"name": name}
        )
    elif queued is False:
        messages.info(
            request,
            _("A recovery-check link was already texted to %(name)s today.") % {"name": name},
        )
    return _back(resident.pk)
