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

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activity_log.feedback.models import FeedbackRequest
from activity_log.feedback.texting import text_number
from activity_log.models import Reminder
from activity_log.reminders.send import enqueue_send
from mentoring_site.models import User
from residents.models import Resident

Kind = Reminder.Kind

__all__ = ["feedback_link_text", "recovery_link_text", "text_number"]


def _enqueue_after_commit() -> None:
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
        raise ValidationError(
            _("We cannot text %(name)s: %(why)s.") % {"name": resident.preferred_name, "why": why}
        )
    if feedback_request.used_at is not None:
        raise ValidationError(_("This feedback has already been given."))
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
        raise ValidationError(
            _("We cannot text %(name)s: %(why)s.") % {"name": resident.preferred_name, "why": why}
        )
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
