"""Urgent concerns: a house manager acknowledges one from the dashboard."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from activity_log.models import ContactLog

NOTE_MAX_LENGTH = ContactLog._meta.get_field("acknowledgement_note").max_length


def concern_acknowledge(*, contact: ContactLog, user, note: str) -> ContactLog:
    """Records who acknowledged an urgent concern, when, and what they did about it.

    The caller has loaded `contact` through `visible_to(user)`. The write is a compare-and-set
    on `acknowledged_at IS NULL`, so a double submit or two managers at once record one
    acknowledgement: the second gets a ValidationError and nothing changes.
    """
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say in a few words what you did (a short note)."})
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": f"Keep the note under {NOTE_MAX_LENGTH} characters."})
    if contact.concern_level != ContactLog.Concern.URGENT:
        raise ValidationError("Only urgent concerns are acknowledged.")
    now = timezone.now()
    contact.acknowledged_at = now
    contact.acknowledged_by = user
    contact.acknowledgement_note = note
    contact.full_clean(exclude=["idempotency_key"])
    with transaction.atomic():
        changed = ContactLog.objects.filter(pk=contact.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=user, acknowledgement_note=note
        )
    if changed != 1:
        contact.refresh_from_db(
            fields=["acknowledged_at", "acknowledged_by", "acknowledgement_note"]
        )
        raise ValidationError("This concern was already acknowledged.")
    return contact
