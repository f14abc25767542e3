"""Texting a resident their one-time feedback or recovery-check link, through the reminder outbox.

A manager asks; a Reminder row (kind `feedback_link` / `recovery_link`, channel `sms`, `resident`
set, recipient the staff member who asked) waits in the outbox, so the text goes once (a
constraint: one per feedback request, one recovery-check link per resident a day), after quiet
hours, and is retried with back-off like any reminder. Only a token's hash is ever stored, so the
link is made when the text is sent: texting a feedback request gives it a fresh token (a slip
printed before stops working, as printing again does); a recovery-check text makes a new link.

Allowed while the resident lives in the house, has an active consent record and a phone number we
can text (E.164), and that number has not replied STOP; checked when asked and again when sent.
Residents have no email address on record, so these links go by text only.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from activity_log.feedback import services
from activity_log.feedback.models import FeedbackRequest
from activity_log.models import Reminder
from mentoring_site.models import User
from mentoring_site.sms.phone import e164_or_none
from mentoring_site.sms.preferences import is_opted_out
from residents.models import Resident

Kind = Reminder.Kind
RESIDENT_LINK_KINDS = (Kind.FEEDBACK_LINK, Kind.RECOVERY_LINK)


def text_number(resident: Resident, today: dt.date | None = None) -> tuple[str | None, str]:
    """(the number to text, "") or (None, why not), in words a manager can act on."""
    if not resident.is_active or resident.anonymised_at is not None:
        return None, "they no longer live in the house"
    consent = resident.current_consent()
    if consent is None or not consent.is_active(today):
        return None, "there is no active consent on record"
    phone = e164_or_none(resident.phone)
    if phone is None:
        return None, "there is no phone number on record that can take texts"
    if is_opted_out(phone):
        return None, "their number replied STOP to our texts"
    return phone, ""


def _enqueue_after_commit() -> None:
    from activity_log.reminders.send import enqueue_send

    transaction.on_commit(enqueue_send, robust=True)


def _queue(row: Reminder) -> bool:
    """Inserts the row unless its twin exists: True when this call queued it."""
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return False
    _enqueue_after_commit()
    return True


def feedback_link_text(*, feedback_request: FeedbackRequest, by: User) -> bool:
    """Queues a text of a fresh link for this request; False when one was already queued.

    ValidationError (saying why) when the resident cannot be texted or already answered.
    """
    resident = feedback_request.resident
    phone, why = text_number(resident)
    if phone is None:
        raise ValidationError(f"We cannot text {resident.preferred_name}: {why}.")
    if feedback_request.used_at is not None:
        raise ValidationError("This feedback has already been given.")
    return _queue(
        Reminder(
            kind=Kind.FEEDBACK_LINK,
            channel=Reminder.Channel.SMS,
            resident=resident,
            feedback_request=feedback_request,
            subject_key=f"feedback:{feedback_request.pk}",
            due_at=feedback_request.created_at,
            recipient=by,
            send_after=timezone.now(),
        )
    )


def recovery_link_text(*, resident: Resident, by: User, now: dt.datetime | None = None) -> bool:
    """Queues a text with a new recovery-check link; at most one a day per resident."""
    phone, why = text_number(resident)
    if phone is None:
        raise ValidationError(f"We cannot text {resident.preferred_name}: {why}.")
    now = now or timezone.now()
    day = dt.datetime.combine(
        timezone.localdate(now), dt.time.min, tzinfo=timezone.get_current_timezone()
    )
    return _queue(
        Reminder(
            kind=Kind.RECOVERY_LINK,
            channel=Reminder.Channel.SMS,
            resident=resident,
            subject_key=f"recovery:{resident.pk}",
            due_at=day,
            recipient=by,
            send_after=now,
        )
    )


def is_obsolete(reminder: Reminder) -> bool:
    """Nothing to send any more: the resident cannot be texted now, or already answered."""
    if text_number(reminder.resident)[0] is None:
        return True
    return reminder.kind == Kind.FEEDBACK_LINK and reminder.feedback_request.used_at is not None


def build_text(reminder: Reminder) -> tuple[str, str]:
    """(number, body) of the text, with a link made now (the only time its token exists)."""
    resident = reminder.resident
    phone, why = text_number(resident)
    if phone is None:
        raise ValueError(f"resident cannot be texted: {why}")
    if reminder.kind == Kind.FEEDBACK_LINK:
        token = services.feedback_link_issue(request=reminder.feedback_request)
        path = reverse("activity_log:feedback_form", args=[token])
        template = "sms/feedback_link.txt"
        mentor_first_name = reminder.feedback_request.pairing.mentor.user.display_first_name
    else:
        token = services.assessment_link_issue(resident=resident, by=reminder.recipient)
        path = reverse("activity_log:assessment_by_link", args=[token])
        template = "sms/recovery_link.txt"
        mentor_first_name = ""
    body = render_to_string(
        template,
        {
            "first_name": resident.preferred_name,
            "mentor_first_name": mentor_first_name,
            "link": settings.SITE_URL + path,
            "days": settings.FEEDBACK_LINK_DAYS,
        },
    )
    return phone, " ".join(body.split())
