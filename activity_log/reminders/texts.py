"""The reminder texts: the same rows as the emails (emails.py), in one short message each.

First names only (the resident's preferred name, the mentor's and the recipient's first names),
dates and one link; never notes. A digest text lists every kind due, an urgent alert goes alone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.template.loader import render_to_string

from activity_log.models import Reminder
from activity_log.reminders.emails import DIGEST_KINDS, _absolute, _item
from mentoring_site.i18n import override_for

Kind = Reminder.Kind


def _one_line(template: str, context: dict) -> str:
    return " ".join(render_to_string(template, context).split())


def build_text(recipient, reminders: list[Reminder], now: dt.datetime) -> str:
    """The text in the recipient's language (their profile's choice, else the site default)."""
    with override_for(recipient):
        return _build_text(recipient, reminders, now)


def _build_text(recipient, reminders: list[Reminder], now: dt.datetime) -> str:
    kinds = {reminder.kind for reminder in reminders}
    if kinds == {Kind.URGENT_CONCERN}:
        items = [_item(reminder, now) for reminder in reminders]
        link = items[0]["url"] if len(items) == 1 else _absolute("activity_log:dashboard")
        return _one_line("sms/urgent_concern.txt", {"items": items, "link": link})
    if Kind.URGENT_CONCERN in kinds:
        raise ValueError("urgent concerns are sent on their own, never in a digest")
    by_kind = defaultdict(list)
    for reminder in reminders:
        by_kind[reminder.kind].append(_item(reminder, now))
    sections = [{"kind": kind, "items": by_kind[kind]} for kind in DIGEST_KINDS if by_kind[kind]]
    # One link: where most of it is dealt with.
    if kinds & {Kind.MANAGER_ESCALATION, Kind.MENTOR_AWAY}:
        link = _absolute("activity_log:dashboard")
    elif kinds & {Kind.MENTOR_OVERDUE, Kind.NEW_MENTEE, Kind.FOLLOW_UP}:
        link = _absolute("activity_log:my_mentees")
    elif Kind.ATTENDANCE_NOT_TAKEN in kinds:
        link = by_kind[Kind.ATTENDANCE_NOT_TAKEN][0]["url"]
    else:
        link = _absolute("mentors:my_training")
    return _one_line(
        "sms/digest.txt",
        {"first_name": recipient.display_first_name, "sections": sections, "link": link},
    )
