"""One outbox row per delivery: a reminder for someone who chose "both" is an email row and a
text row, each claimed, sent and retried on its own (mentoring_site/sms/preferences.py decides)."""

from __future__ import annotations

from activity_log.models import Reminder
from mentoring_site.sms.preferences import SMS, channels_by_user

# IN lists of at most this many ids (PostgreSQL allows 65,535 parameters per query).
ID_CHUNK = 10_000


def per_channel(rows: list[Reminder]) -> list[Reminder]:
    """The rows again, one per channel each recipient gets (email unless they can be texted).

    One query per ID_CHUNK recipients. The row given is reused for the first channel.
    """
    if not rows:
        return rows
    recipients = sorted({row.recipient_id for row in rows})
    channels: dict[int, tuple[str, ...]] = {}
    for start in range(0, len(recipients), ID_CHUNK):
        channels.update(channels_by_user(recipients[start : start + ID_CHUNK]))
    out = []
    fields = [f.attname for f in Reminder._meta.concrete_fields if not f.primary_key]
    for row in rows:
        first, *others = channels[row.recipient_id]
        row.channel = first
        out.append(row)
        for channel in others:
            twin = Reminder(**{name: getattr(row, name) for name in fields})
            twin.channel = channel
            out.append(twin)
    return out


__all__ = ["SMS", "per_channel"]
