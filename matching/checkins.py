"""The check-in rule, once: when a check-in is due, when it is late, and how that reads.

Every page, email, report and scan that judges a check-in asks this module (docs/checkins.md).

- **Due time** (`Pairing.next_due_at`): the pairing's last real contact (not "no answer"), or
  00:00 of its start day, plus its check-in interval in whole days on the house's wall clock
  (a daylight-saving change never moves it). Only an active pairing has one.
- **Due day**: the house's local date of the due time. The whole due day reads "Due today",
  on the mentor's phone, the manager's dashboard, the pairing page and in emails alike.
- **Overdue** from the next local midnight after the due time (`Pairing.overdue_at`), and
  "Overdue by N days" where N counts local midnights since the due day (1 on the day after).
  The dashboard lists a pairing exactly when the phone says "Overdue by ...".
- **Reminder-worthy** from due + REMINDER_GRACE (the mentor's email; it may go out on the due
  day, and then says "due today"); **escalation-worthy** from due + ESCALATION_DELAY (managers).
- **A contact is on time** when it happened before its due in force became overdue: due in
  force = (the previous real contact, or the start) + interval, as above; "no answer" attempts
  are never judged and never move the due time. Reports count on-time contacts and, as
  missed, active pairings still overdue at the end of the period; streaks break in a week in
  which a pairing was overdue.

Time zones make calendar days hard in SQL (each house has its own), so the instants the lists
need are computed here in Python and stored next to the data they derive from:
`Pairing.next_due_at` and `Pairing.overdue_at` (written by `Pairing.refresh_due()`) and
`ContactLog.on_time` (by `on_time_by_contact`, through activity_log's `contacts_judge`), on every
write that moves them. Every SQL form below is a
plain comparison on those columns; tests/matching/test_checkin_rule.py checks, over random
histories across daylight-saving changes, that each agrees with the Python form.
"""

from __future__ import annotations

import datetime as dt
import enum
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext, ngettext

NO_ANSWER = "no_answer"


# --- Instants ----------------------------------------------------------------------------------


def start_of_day(day: dt.date, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """00:00 of `day` on the house's wall clock, in UTC."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz).astimezone(dt.UTC)


def due_after(base: dt.datetime, interval_days: int, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """`base` plus whole days on the house's wall clock, in UTC."""
    local = base.astimezone(tz)
    return (local + dt.timedelta(days=interval_days)).astimezone(dt.UTC)


def due_day(due_at: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.date:
    return due_at.astimezone(tz).date()


def overdue_from(due_at: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """The next local midnight after the due time: from then on the check-in is overdue."""
    return start_of_day(due_day(due_at, tz) + dt.timedelta(days=1), tz)


def reminder_from(due_at: dt.datetime) -> dt.datetime:
    """The mentor's reminder is owed once this instant has passed."""
    return due_at + settings.REMINDER_GRACE


def escalation_from(due_at: dt.datetime) -> dt.datetime:
    """The managers' escalation is owed once this instant has passed."""
    return due_at + settings.ESCALATION_DELAY


def next_due(
    *,
    active: bool,
    started_on: dt.date,
    last_contact_at: dt.datetime | None,
    interval_days: int,
    tz: zoneinfo.ZoneInfo,
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(due time, overdue from) of a pairing; (None, None) unless it is active."""
    if not active:
        return None, None
    base = last_contact_at if last_contact_at is not None else start_of_day(started_on, tz)
    due_at = due_after(base, interval_days, tz)
    return due_at, overdue_from(due_at, tz)


# --- States and words --------------------------------------------------------------------------


class State(enum.StrEnum):
    NOT_DUE = "not_due"  # paused or ended: nothing is owed
    UPCOMING = "upcoming"  # due on a later day
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"


def days_late(due_at: dt.datetime, now: dt.datetime, tz: zoneinfo.ZoneInfo) -> int:
    """Local midnights since the due day: 0 on the due day (or before), 1 on the day after."""
    return max((now.astimezone(tz).date() - due_day(due_at, tz)).days, 0)


@dataclass(frozen=True)
class CheckinState:
    """How one pairing's check-in stands at one moment, and the words every page uses for it."""

    state: State
    due_at: dt.datetime | None
    due_on: dt.date | None  # the due day, in the house's zone
    # Due day minus today, in the house's zone: negative when overdue; None when nothing is due.
    days: int | None
    reminder_worthy: bool = False
    escalation_worthy: bool = False

    @property
    def is_overdue(self) -> bool:
        return self.state == State.OVERDUE

    @property
    def days_late(self) -> int:
        return -self.days if self.days is not None and self.days < 0 else 0

    @property
    def words(self) -> str:
        """ "No check-in due", "Due in 3 days", "Due tomorrow", "Due today", "Overdue by 2 days"."""
        if self.state == State.NOT_DUE:
            return gettext("No check-in due")
        if self.state == State.OVERDUE:
            late = self.days_late
            return ngettext("Overdue by %(days)d day", "Overdue by %(days)d days", late) % {
                "days": late
            }
        if self.days == 0:
            return gettext("Due today")
        if self.days == 1:
            return gettext("Due tomorrow")
        return ngettext("Due in %(days)d day", "Due in %(days)d days", self.days) % {
            "days": self.days
        }

    @property
    def colour(self) -> str:
        """A Bootstrap contextual name for the badge."""
        if self.state == State.NOT_DUE:
            return "secondary"
        if self.state == State.OVERDUE:
            return "danger"
        if self.days == 0:
            return "warning"
        return "info" if self.days <= 2 else "success"


def state_at(due_at: dt.datetime | None, now: dt.datetime, tz: zoneinfo.ZoneInfo) -> CheckinState:
    """The Python form of every SQL form below, for one pairing's due time."""
    if due_at is None:
        return CheckinState(State.NOT_DUE, None, None, None)
    days = (due_day(due_at, tz) - now.astimezone(tz).date()).days
    if days < 0:
        state = State.OVERDUE
    elif days == 0:
        state = State.DUE_TODAY
    else:
        state = State.UPCOMING
    return CheckinState(
        state,
        due_at,
        due_day(due_at, tz),
        days,
        reminder_worthy=now > reminder_from(due_at),
        escalation_worthy=now > escalation_from(due_at),
    )


# --- SQL forms (on the stored instants) --------------------------------------------------------


def overdue_q(now: dt.datetime, prefix: str = "") -> Q:
    """Pairings that read "Overdue by ..." at `now` (`State.OVERDUE`)."""
    return Q(**{f"{prefix}status": "active", f"{prefix}overdue_at__lte": now})


def reminder_q(now: dt.datetime, prefix: str = "") -> Q:
    """Pairings owed a mentor reminder at `now` (`CheckinState.reminder_worthy`)."""
    cutoff = now - settings.REMINDER_GRACE
    return Q(**{f"{prefix}status": "active", f"{prefix}next_due_at__lt": cutoff})


def escalation_q(now: dt.datetime, prefix: str = "") -> Q:
    """Pairings owed a manager escalation at `now` (`CheckinState.escalation_worthy`)."""
    cutoff = now - settings.ESCALATION_DELAY
    return Q(**{f"{prefix}status": "active", f"{prefix}next_due_at__lt": cutoff})


def reminder_or_escalation_q(now: dt.datetime) -> Q:
    """Pairings owed either (the reminder scan's one index range, pairing_due_scan_idx)."""
    later = max(now - settings.REMINDER_GRACE, now - settings.ESCALATION_DELAY)
    return Q(status="active", next_due_at__lt=later)


def on_time_q(prefix: str = "") -> Q:
    """Contacts that were on time (`Judgement.on_time`); "no answer" is neither."""
    return Q(**{f"{prefix}on_time": True})


# --- Contacts: lateness, replayed ---------------------------------------------------------------


@dataclass(frozen=True)
class Judgement:
    """A real contact against the due time in force when it happened."""

    contact_id: int
    happened_at: dt.datetime
    due_at: dt.datetime
    overdue_at: dt.datetime

    @property
    def on_time(self) -> bool:
        return self.happened_at < self.overdue_at


def judge(
    contacts: Iterable[tuple[int, dt.datetime, str]],
    *,
    started_on: dt.date,
    interval_days: int,
    tz: zoneinfo.ZoneInfo,
) -> list[Judgement]:
    """Each real contact of one pairing (id, happened_at, method) against its due in force,
    oldest first; "no answer" attempts are left out (they are never judged nor move the due)."""
    base = start_of_day(started_on, tz)
    judged = []
    for contact_id, happened_at, method in sorted(contacts, key=lambda c: (c[1], c[0])):
        if method == NO_ANSWER:
            continue
        due_at = due_after(base, interval_days, tz)
        judged.append(Judgement(contact_id, happened_at, due_at, overdue_from(due_at, tz)))
        base = happened_at
    return judged


def on_time_by_contact(
    contacts: list[tuple[int, dt.datetime, str]],
    *,
    started_on: dt.date,
    interval_days: int,
    tz: zoneinfo.ZoneInfo,
) -> dict[int, bool | None]:
    """{contact id: on time} for every contact of one pairing; None for "no answer"."""
    judged = {
        j.contact_id: j.on_time
        for j in judge(contacts, started_on=started_on, interval_days=interval_days, tz=tz)
    }
    return {contact_id: judged.get(contact_id) for contact_id, _, _ in contacts}


def overdue_spans(
    real_contact_times: list[dt.datetime],
    *,
    started_on: dt.date,
    interval_days: int,
    tz: zoneinfo.ZoneInfo,
    end: dt.datetime,
    still_owed: bool,
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Periods in which the pairing read "Overdue", up to `end` (now, or when it ended).

    `still_owed`: the last due time still runs (an active pairing, or an ended one judged up to
    its end); a paused pairing owes nothing after its last contact."""
    contacts = [(i, when, "") for i, when in enumerate(real_contact_times)]
    judged = judge(contacts, started_on=started_on, interval_days=interval_days, tz=tz)
    for j in judged:
        if not j.on_time and j.overdue_at < end:
            yield j.overdue_at, min(j.happened_at, end)
    base = judged[-1].happened_at if judged else start_of_day(started_on, tz)
    last_overdue = overdue_from(due_after(base, interval_days, tz), tz)
    if still_owed and end > last_overdue:
        yield last_overdue, end
