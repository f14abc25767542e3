"""Notices written to the outbox the moment something happens (not by the scan): a mentor's new
mentee, and the managers told that a pairing paused because its mentor is away.

Each is a Reminder row inserted with ON CONFLICT DO NOTHING in the transaction of the event,
so the unique constraint (kind, subject, due time, recipient, channel) keeps it to one per
channel however often
the event is replayed; the sender puts it in the recipient's next digest (quiet hours apply)
and asks a worker to send at once after commit.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from activity_log.models import Reminder
from activity_log.reminders.channels import per_channel
from activity_log.reminders.scan import _insert_new
from activity_log.reminders.send import enqueue_send, quiet_hours_send_after
from matching.models import Pairing
from residents.models import House

Kind = Reminder.Kind


def _write(rows: list[Reminder]) -> int:
    # One row per channel the recipient gets (email, text or both, reminders/channels.py).
    inserted = sum(_insert_new(per_channel(rows)).values())
    if inserted:
        transaction.on_commit(enqueue_send)
    return inserted


def new_mentee_notice(*, pairing: Pairing, now: dt.datetime | None = None) -> int:
    """The mentor is told of a new pairing (or a reassignment to them): first name, house and
    a link, once per pairing."""
    now = now or timezone.now()
    zone = pairing.resident.house.zone
    return _write(
        [
            Reminder(
                kind=Kind.NEW_MENTEE,
                pairing=pairing,
                subject_key=f"pairing:{pairing.pk}",
                due_at=pairing.created_at or now,
                recipient_id=pairing.mentor.user_id,
                send_after=quiet_hours_send_after(now, zone),
            )
        ]
    )


def mentor_away_notice(*, pairing: Pairing, now: dt.datetime | None = None) -> int:
    """The managers of the resident's house are told the pairing paused while its mentor is
    away (and when they are back), once per pairing and away period."""
    now = now or timezone.now()
    house = pairing.resident.house
    start = pairing.mentor.away_from or pairing.paused_on or timezone.localdate(now)
    due_at = dt.datetime.combine(start, dt.time.min, tzinfo=house.zone)
    managers = House.managers.through.objects.filter(
        house_id=house.pk, user__is_active=True
    ).values_list("user_id", flat=True)
    send_after = quiet_hours_send_after(now, house.zone)
    return _write(
        [
            Reminder(
                kind=Kind.MENTOR_AWAY,
                pairing=pairing,
                subject_key=f"pairing:{pairing.pk}",
                due_at=due_at,
                recipient_id=manager_id,
                send_after=send_after,
            )
            for manager_id in managers
        ]
    )


def new_mentee_notice_for(pairing: Pairing) -> Reminder | None:
    """The pairing page's "mentor told" line: the notice row, sent or waiting."""
    return (
        Reminder.objects.filter(kind=Kind.NEW_MENTEE, pairing=pairing)
        .order_by("created_at")
        .first()
    )
