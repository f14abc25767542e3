"""The reminder emails: one urgent alert on its own, or a recipient's digest (docs/reminders.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import defaultdict
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.functional import lazy

from activity_log.models import Reminder
from matching import checkins
from mentoring_site.i18n import override_for

logger = logging.getLogger(__name__)

Kind = Reminder.Kind
# The sections of a recipient's digest email, in this order. Urgent concerns are never in it:
# they go at once, day or night, in an email of their own.
DIGEST_KINDS = (
    Kind.NEW_MENTEE,
    Kind.MENTOR_OVERDUE,
    Kind.FOLLOW_UP,
    Kind.ATTENDANCE_NOT_TAKEN,
    Kind.MANAGER_ESCALATION,
    Kind.MENTOR_AWAY,
    Kind.TRAINING_EXPIRING,
)


def _absolute(url_name: str, *args, fallback: str = "home") -> str:
    try:
        path = reverse(url_name, args=args)
    except NoReverseMatch:
        path = reverse(fallback)
    return f"{settings.SITE_URL}{path}"


def _item(reminder: Reminder, now: dt.datetime) -> dict:
    """What one line of an email may say: first names, dates and links, never notes."""
    if reminder.kind == Kind.TRAINING_EXPIRING:
        record = reminder.training_record
        return {"course": record.course.name, "expires_on": record.expires_on}
    if reminder.kind == Kind.ATTENDANCE_NOT_TAKEN:
        session = reminder.group_session
        return {
            "title": session.title,
            "when": session.starts_at.astimezone(session.zone()).date(),
            "url": _absolute("groups:attendance", session.pk),
        }
    pairing = reminder.contact.pairing if reminder.contact_id else reminder.pairing
    resident = pairing.resident
    tz = resident.house.zone
    state = checkins.state_at(reminder.due_at, now, tz)
    item = {
        "name": resident.preferred_name,
        "house": resident.house.name,
        "mentor_first_name": pairing.mentor.user.display_first_name,
        # The check-in rule's words at the moment the email is built, as on the phone and the
        # dashboard: "due today", "overdue by 2 days". Lazy: worded when the email is rendered,
        # in the recipient's language (build_email's override_for).
        "due_on": state.due_on,
        "days_late": state.days_late,
        "due_words": lazy(lambda: state.words.lower(), str)(),
        "url": _absolute("residents:detail", resident.pk, fallback="activity_log:dashboard"),
    }
    if reminder.kind in (Kind.MENTOR_OVERDUE, Kind.NEW_MENTEE, Kind.FOLLOW_UP):
        # The mentor's own log form for this mentee; their list holds the follow-up.
        item["log_url"] = _absolute(
            "activity_log:contact_new", pairing.pk, fallback="activity_log:my_mentees"
        )
        item["url"] = _absolute("activity_log:my_mentees")
    if reminder.kind == Kind.FOLLOW_UP:
        # The date only: the follow-up's words stay on the phone, as notes never go by email.
        item["contact_on"] = reminder.contact.happened_at.astimezone(tz).date()
    if reminder.kind == Kind.MENTOR_AWAY:
        item["back_on"] = pairing.mentor.back_on
    return item


def build_email(recipient, reminders: list[Reminder], now: dt.datetime):
    """One email to one recipient: an urgent alert on its own, or the digest of the other kinds.

    The digest has a section per kind (`emails/_<kind>.txt` / `.html`), in DIGEST_KINDS order.
    """
    kinds = {reminder.kind for reminder in reminders}
    context = {
        "first_name": recipient.display_first_name,
        "log_url": _absolute("activity_log:my_mentees"),
        "home_url": _absolute("home"),
        "site_url": settings.SITE_URL,
    }
    if kinds == {Kind.URGENT_CONCERN}:
        name = "urgent_concern"
        items = [_item(reminder, now) for reminder in reminders]
        context |= {"items": items, "count": len(items)}
    elif Kind.URGENT_CONCERN in kinds:
        raise ValueError("urgent concerns are sent on their own, never in a digest")
    else:
        name = "digest"
        by_kind = defaultdict(list)
        for reminder in reminders:
            by_kind[reminder.kind].append(_item(reminder, now))
        sections = [
            {
                "kind": kind,
                "items": by_kind[kind],
                "count": len(by_kind[kind]),
                "txt": f"emails/_{kind}.txt",
                "html": f"emails/_{kind}.html",
            }
            for kind in DIGEST_KINDS
            if by_kind[kind]
        ]
        context |= {"sections": sections, "several": len(sections) > 1}
    # In the recipient's language (their profile's choice; without one, the site default).
    with override_for(recipient):
        subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
        text = render_to_string(f"emails/{name}_body.txt", context)
        html = render_to_string(f"emails/{name}_body.html", context)
    message = EmailMultiAlternatives(
        subject,
        text,
        to=[recipient.email],
        headers={"Message-ID": message_id([reminder.id for reminder in reminders])},
    )
    message.attach_alternative(html, "text/html")
    return message


def message_id(reminder_ids: list[int]) -> str:
    """The same for the same reminders, so a rare second delivery of an email is recognisable."""
    digest = hashlib.sha256(",".join(map(str, sorted(reminder_ids))).encode()).hexdigest()[:32]
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<reminders-{digest}@{domain}>"
