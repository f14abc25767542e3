"""Volunteer hours and milestones: contact minutes plus training hours, per mentor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Min, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from activity_log.groups import selectors as group_selectors
from activity_log.models import ContactLog, Milestone
from matching import checkins
from matching.models import Pairing
from mentors.models import Mentor, TrainingRecord

MINUTES_PER_HOUR = Decimal(60)


def _local_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _contacts_of(mentor: Mentor, start: dt.date | None = None, end: dt.date | None = None):
    contacts = ContactLog.objects.filter(pairing__mentor=mentor)
    if start:
        contacts = contacts.filter(happened_at__gte=_local_start(start))
    if end:
        contacts = contacts.filter(happened_at__lt=_local_start(end + dt.timedelta(days=1)))
    return contacts


def _training_of(mentor: Mentor, start: dt.date | None = None, end: dt.date | None = None):
    records = TrainingRecord.objects.filter(mentor=mentor)
    if start:
        records = records.filter(completed_on__gte=start)
    if end:
        records = records.filter(completed_on__lte=end)
    return records


@dataclass(frozen=True)
class Hours:
    contact_minutes: int
    contact_count: int
    training_hours: Decimal
    group_minutes: int = 0  # facilitated sessions and mentor circles (activity_log.groups)

    @property
    def group_hours(self) -> Decimal:
        return (Decimal(self.group_minutes) / MINUTES_PER_HOUR).quantize(Decimal("0.1"))

    @property
    def contact_hours(self) -> Decimal:
        return (Decimal(self.contact_minutes) / MINUTES_PER_HOUR).quantize(Decimal("0.1"))

    @property
    def total(self) -> Decimal:
        minutes = self.contact_minutes + self.group_minutes
        return (Decimal(minutes) / MINUTES_PER_HOUR + self.training_hours).quantize(Decimal("0.1"))


def mentor_hours(
    mentor: Mentor, *, start: dt.date | None = None, end: dt.date | None = None
) -> Hours:
    """Hours in [start, end] (local dates, both inclusive); all time when no range is given."""
    contacts = _contacts_of(mentor, start, end).aggregate(
        minutes=Sum("duration_minutes"), count=Count("id")
    )
    training = _training_of(mentor, start, end).aggregate(hours=Sum("hours"))
    return Hours(
        contact_minutes=contacts["minutes"] or 0,
        contact_count=contacts["count"] or 0,
        training_hours=training["hours"] or Decimal(0),
        group_minutes=group_selectors.mentor_group_minutes(mentor, start, end),
    )


def milestones_record(mentor: Mentor) -> list[int]:
    """Records every milestone the mentor's hours have crossed; returns the ones new this time."""
    total = mentor_hours(mentor).total
    crossed = [hours for hours in Milestone.HOURS if total >= hours]
    if not crossed:
        return []
    known = set(Milestone.objects.filter(mentor=mentor).values_list("hours", flat=True))
    new = [hours for hours in crossed if hours not in known]
    # The unique constraint makes a concurrent second write harmless.
    Milestone.objects.bulk_create(
        [Milestone(mentor=mentor, hours=hours) for hours in new], ignore_conflicts=True
    )
    return new


def milestone_celebrate(user) -> Milestone | None:
    """The mentor's (`user`'s) highest milestone not yet congratulated, marked as shown so it
    appears only once."""
    waiting = list(Milestone.objects.filter(mentor__user=user, celebrated_at__isnull=True))
    if not waiting:
        return None
    Milestone.objects.filter(pk__in=[m.pk for m in waiting]).update(celebrated_at=timezone.now())
    return max(waiting, key=lambda m: m.hours)


@dataclass(frozen=True)
class MonthHours:
    month: dt.date
    contact_hours: Decimal
    training_hours: Decimal
    group_hours: Decimal = Decimal(0)  # activity_log.groups

    @property
    def total(self) -> Decimal:
        return self.contact_hours + self.training_hours + self.group_hours


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def hours_by_month(
    mentor: Mentor, *, months: int = 12, today: dt.date | None = None
) -> list[MonthHours]:
    """The last `months` calendar months, newest first, months without hours included."""
    today = today or timezone.localdate()
    first = _month_start(today, months - 1)
    minutes = {
        row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]: row[
            "minutes"
        ]
        for row in _contacts_of(mentor, first)
        .annotate(month=TruncMonth("happened_at"))
        .values("month")
        .annotate(minutes=Sum("duration_minutes"))
    }
    training: dict[dt.date, Decimal] = {}
    for completed_on, hours in _training_of(mentor, first).values_list("completed_on", "hours"):
        key = _month_start(completed_on)
        training[key] = training.get(key, Decimal(0)) + hours
    group = group_selectors.mentor_group_minutes_by_month(mentor, first)
    rows = []
    for back in range(months):
        month = _month_start(today, back)
        rows.append(
            MonthHours(
                month=month,
                contact_hours=(Decimal(minutes.get(month) or 0) / MINUTES_PER_HOUR).quantize(
                    Decimal("0.1")
                ),
                training_hours=training.get(month, Decimal(0)),
                group_hours=(Decimal(group.get(month, 0)) / MINUTES_PER_HOUR).quantize(
                    Decimal("0.1")
                ),
            )
        )
    return rows


def contacts_this_month(mentor: Mentor, *, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    return _contacts_of(mentor, today.replace(day=1)).count()


def _overdue_spans(pairing: Pairing, contact_times: list[dt.datetime], now: dt.datetime):
    """Periods in which this pairing read "Overdue", by the check-in rule (matching/checkins.py):
    up to now, or to the start of its last day once ended; a paused pairing owes nothing more."""
    tz = pairing.zone
    ended = pairing.ended_on and pairing.status == Pairing.Status.ENDED
    return checkins.overdue_spans(
        sorted(contact_times),
        started_on=pairing.started_on,
        interval_days=pairing.checkin_interval_days,
        tz=tz,
        end=checkins.start_of_day(pairing.ended_on, tz) if ended else now,
        still_owed=pairing.status != Pairing.Status.PAUSED,
    )


def on_time_streak(mentor: Mentor, *, now: dt.datetime | None = None) -> int:
    """Weeks in a row, up to this one, in which no mentee went past their due time."""
    now = now or timezone.now()
    pairings = list(Pairing.objects.filter(mentor=mentor).select_related("resident__house"))
    if not pairings:
        return 0
    times: dict[int, list[dt.datetime]] = {p.pk: [] for p in pairings}
    for pairing_id, when in (
        ContactLog.objects.filter(pairing__mentor=mentor)
        .exclude(method=ContactLog.Method.NO_ANSWER)
        .values_list("pairing_id", "happened_at")
    ):
        times[pairing_id].append(when)
    spans = [span for p in pairings for span in _overdue_spans(p, times[p.pk], now)]
    today = timezone.localdate(now)
    week_start = today - dt.timedelta(days=today.weekday())
    first_week = min(p.started_on for p in pairings)
    streak = 0
    while week_start + dt.timedelta(days=7) > first_week:
        start = _local_start(week_start)
        end = min(_local_start(week_start + dt.timedelta(days=7)), now)
        if any(s < end and e > start for s, e in spans):
            break
        streak += 1
        week_start -= dt.timedelta(days=7)
    return streak


@dataclass(frozen=True)
class Certificate:
    mentor: Mentor
    start: dt.date
    end: dt.date
    hours: Hours
    first_contact: dt.datetime | None
    last_contact: dt.datetime | None


def certificate(mentor: Mentor, *, start: dt.date, end: dt.date) -> Certificate:
    hours = mentor_hours(mentor, start=start, end=end)
    span = _contacts_of(mentor, start, end).aggregate(
        first=Min("happened_at"), last=Max("happened_at")
    )
    return Certificate(
        mentor=mentor,
        start=start,
        end=end,
        hours=hours,
        first_contact=span["first"],
        last_contact=span["last"],
    )
