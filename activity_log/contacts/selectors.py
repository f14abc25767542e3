"""Reads shared by the contact views: due states in words, mentee lists, timelines."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from activity_log.models import ContactLog
from matching import checkins
from matching.models import Pairing
from mentoring_site.models import User
from residents.models import ConsentRecord, RecoveryGoal, Resident


def contact_is_editable_by(contact: ContactLog, user: User, now: dt.datetime | None = None) -> bool:
    """Only the author, and only within the edit window; after that corrections are addenda."""
    now = now or timezone.now()
    return (
        contact.created_by_id == user.pk
        and contact.created_at is not None
        and now < contact.created_at + settings.CONTACT_EDIT_WINDOW
    )


def house_zone(pairing: Pairing) -> zoneinfo.ZoneInfo:
    return pairing.resident.house.zone


def due_state(
    next_due_at: dt.datetime | None, tz: zoneinfo.ZoneInfo, now: dt.datetime | None = None
) -> checkins.CheckinState:
    """How a due time reads on the phone: the check-in rule's state and words (matching/checkins.py),
    the same the dashboard, the pairing page and the emails use."""
    return checkins.state_at(next_due_at, now or timezone.now(), tz)


def ago_in_words(
    when: dt.datetime | None, tz: zoneinfo.ZoneInfo, now: dt.datetime | None = None
) -> str:
    if when is None:
        return gettext("No contact yet")
    now = now or timezone.now()
    days = (now.astimezone(tz).date() - when.astimezone(tz).date()).days
    if days <= 0:
        return gettext("Today")
    if days == 1:
        return gettext("Yesterday")
    return ngettext("%(days)d day ago", "%(days)d days ago", days) % {"days": days}


def active_consent(resident: Resident, today: dt.date | None = None) -> ConsentRecord | None:
    """The resident's current consent if it is active (uses prefetched `consents`)."""
    consent = resident.current_consent()
    return consent if consent is not None and consent.is_active(today) else None


def mentor_consent(pairing: Pairing, now: dt.datetime | None = None) -> ConsentRecord | None:
    """What the resident lets this pairing's mentor see (phone, goals): their active consent,
    and only while the relationship is current. Once the pairing ended, or the mentor went on
    break or retired, nothing consent-gated shows, whatever the consent says."""
    if not pairing.is_current:
        return None
    now = now or timezone.now()
    return active_consent(pairing.resident, timezone.localdate(now, house_zone(pairing)))


def mentor_sees_goals(user: User, resident: Resident) -> bool:
    """A mentor sees a resident's goals through a current pairing with consent to share them."""
    pairing = (
        Pairing.objects.visible_to(user)
        .current()
        .filter(resident=resident)
        .select_related("mentor", "resident__house")
        .first()
    )
    consent = mentor_consent(pairing) if pairing is not None else None
    return bool(consent and consent.shares_goals)


@dataclass(frozen=True)
class MenteeRow:
    pairing: Pairing
    resident: Resident
    house_name: str
    last_contact: str
    due: checkins.CheckinState
    phone: str  # only with active consent to share contact details


@dataclass(frozen=True)
class FollowUp:
    """A follow-up whose date has come (in the house's zone), not ticked done yet."""

    contact: ContactLog
    name: str
    text: str
    on: dt.date
    overdue: bool


def follow_ups_due(
    user: User, rows: list[MenteeRow], now: dt.datetime | None = None, limit: int = 20
) -> list[FollowUp]:
    """My mentees' "Follow up" list: the mentor's own contacts on their current pairings (`rows`,
    from `mentee_rows`) whose follow-up date has come and that are not done, oldest first.
    One query (contact_follow_up_open_idx), none without pairings."""
    if not rows:
        return []
    now = now or timezone.now()
    program_today = timezone.localdate(now)
    by_pairing = {row.pairing.pk: row for row in rows}
    contacts = (
        ContactLog.objects.filter(
            pairing_id__in=list(by_pairing),
            created_by=user,
            follow_up_on__isnull=False,
            follow_up_done_at__isnull=True,
            # Every zone's today is at most a day after the program's.
            follow_up_on__lte=program_today + dt.timedelta(days=1),
        )
        .only("pk", "pairing_id", "follow_up", "follow_up_on")
        .order_by("follow_up_on", "id")
    )
    due = []
    for contact in contacts[: limit * 2]:
        row = by_pairing[contact.pairing_id]
        contact.pairing = row.pairing
        today = now.astimezone(house_zone(row.pairing)).date()
        if contact.follow_up_on <= today:
            due.append(
                FollowUp(
                    contact=contact,
                    name=row.resident.preferred_name,
                    text=contact.follow_up,
                    on=contact.follow_up_on,
                    overdue=contact.follow_up_on < today,
                )
            )
    return due[:limit]


# What a row of My mentees reads: fewer columns to fetch, build and compile than whole rows.
MENTEE_ROW_FIELDS = (
    "id",
    "status",
    "mentor_id",
    "resident_id",
    "last_contact_at",
    "next_due_at",
    "mentor__id",
    "mentor__user_id",
    "mentor__status",
    "resident__id",
    "resident__preferred_name",
    "resident__phone",
    "resident__house_id",
    "resident__house__id",
    "resident__house__name",
    "resident__house__time_zone",
)


def mentee_rows(
    user: User, now: dt.datetime | None = None
) -> tuple[list[MenteeRow], list[MenteeRow]]:
    """The mentor's active mentees, most urgent first, and the paused ones. Two queries."""
    now = now or timezone.now()
    pairings = (
        Pairing.objects.visible_to(user)
        .current()
        .filter(mentor__user=user)
        .select_related("resident__house", "mentor")
        .only(*MENTEE_ROW_FIELDS)
        .prefetch_related("resident__consents")
    )
    active, paused = [], []
    for pairing in pairings:
        tz = house_zone(pairing)
        consent = mentor_consent(pairing, now)
        row = MenteeRow(
            pairing=pairing,
            resident=pairing.resident,
            house_name=pairing.resident.house.name,
            last_contact=ago_in_words(pairing.last_contact_at, tz, now),
            due=due_state(pairing.next_due_at, tz, now),
            phone=pairing.resident.phone if consent and consent.shares_contact_details else "",
        )
        (active if pairing.is_active else paused).append(row)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    active.sort(key=lambda r: (r.pairing.next_due_at or far, r.resident.preferred_name))
    paused.sort(key=lambda r: r.resident.preferred_name)
    return active, paused


def goals_for_log_form(pairing: Pairing) -> QuerySet[RecoveryGoal]:
    """The resident's open goals, only while the pairing is current and they consent to share
    goals with their mentor."""
    consent = mentor_consent(pairing)
    if consent is None or not consent.shares_goals:
        return RecoveryGoal.objects.none()
    return RecoveryGoal.objects.filter(
        resident_id=pairing.resident_id, status=RecoveryGoal.Status.OPEN
    ).order_by("target_date", "id")


def timeline(contacts: QuerySet[ContactLog]) -> QuerySet[ContactLog]:
    """Contacts newest first with what a timeline row shows, in a fixed number of queries."""
    return (
        contacts.select_related("created_by")
        .prefetch_related("topics", "goals_discussed", Prefetch("addenda__created_by"))
        .order_by("-happened_at", "-id")
    )
