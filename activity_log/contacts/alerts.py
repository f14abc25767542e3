"""Urgent concerns: one outbox row per house manager and channel (email, text or both, as each
chose), sent by the reminders task after commit."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from activity_log.models import ContactLog, Reminder
from activity_log.reminders.channels import per_channel
from activity_log.reminders.send import enqueue_send
from mentoring_site.models import User
from mentoring_site.roles import ADMIN_GROUP


def urgent_concern_recipients(contact: ContactLog) -> list[User]:
    """The managers of the resident's house; program admins if the house has none."""
    managers = list(contact.pairing.resident.house.managers.filter(is_active=True))
    if managers:
        return managers
    return list(
        User.objects.filter(Q(is_superuser=True) | Q(groups__name=ADMIN_GROUP), is_active=True)
        .distinct()
        .order_by("pk")
    )


def urgent_concern_raised(contact: ContactLog, *, raised_at=None) -> None:
    """Queues the alert (no notes in it, only a link) and wakes the sender once the row commits.

    `raised_at` (default: when the contact was logged) is the alert's due time: a concern raised
    again after it was acknowledged and lowered gets a new time, so a new alert.
    """
    now = timezone.now()
    Reminder.objects.bulk_create(
        per_channel(
            [
                Reminder(
                    kind=Reminder.Kind.URGENT_CONCERN,
                    contact=contact,
                    subject_key=f"contact:{contact.pk}",
                    due_at=raised_at or contact.created_at,
                    send_after=now,
                    recipient=recipient,
                )
                for recipient in urgent_concern_recipients(contact)
            ]
        ),
        ignore_conflicts=True,
    )
    # After commit, bounded and never raising (enqueue_send): a down or frozen broker must not
    # fail or stall the save; the rows stay in the outbox for beat's next send run.
    transaction.on_commit(enqueue_send, robust=True)
