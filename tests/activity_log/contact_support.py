"""Helpers for the contact logging tests (plain functions: fixtures live in each test file)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from activity_log.models import ContactLog, Reminder
from tests import factories as f


def pairing_for(mentor, *, house=None, days_ago: int = 14, resident=None, **kwargs):
    if resident is None:
        resident = f.ResidentFactory(**({"house": house} if house is not None else {}))
    return f.PairingFactory(
        mentor=mentor,
        resident=resident,
        started_on=timezone.localdate() - dt.timedelta(days=days_ago),
        **kwargs,
    )


def form_data(**overrides) -> dict:
    """A valid log-form POST: what a mentor sends after two taps."""
    when = timezone.localtime(timezone.now() - dt.timedelta(hours=1))
    data = {
        "happened_at": when.strftime("%Y-%m-%dT%H:%M"),
        "method": ContactLog.Method.IN_PERSON,
        "duration_minutes": "30",
        "notes": "",
        "follow_up": "",
        "follow_up_on": "",
        "concern_level": ContactLog.Concern.NONE,
        "concern_note": "",
        "idempotency_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def urgent_reminder(manager, *, send_after, resident=None, house=None, **contact_fields):
    """An urgent-concern alert for `manager`, waiting in the outbox from `send_after`."""
    if resident is None:
        resident = f.ResidentFactory(**({"house": house} if house is not None else {}))
    contact = f.ContactLogFactory(
        pairing=f.PairingFactory(resident=resident),
        concern_level=ContactLog.Concern.URGENT,
        **contact_fields,
    )
    return Reminder.objects.create(
        kind="urgent_concern",
        contact=contact,
        subject_key=f"contact:{contact.pk}",
        due_at=contact.created_at,
        recipient=manager,
        send_after=send_after,
    )
