"""Reads for group sessions shared by views, hours, the dashboard and reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    Expression,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from activity_log.groups.models import Attendance, GroupSession, Kind
from activity_log.reports.attention import Capped, capped
from mentors.models import Mentor
from residents.models import House, Resident

NO_ATTENDANCE_AFTER = dt.timedelta(days=1)
HOUSE_MEETING_DAYS = 30
MAX_MINUTES = 600  # the longest session (group_session_duration_1_600)
BUCKET_MINUTES = 30


def _local_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def counted_sessions(mentor: Mentor) -> QuerySet[GroupSession]:
    """Sessions that count toward a mentor's hours: held (attendance taken, not cancelled) and
    facilitated by them, or mentor circles they attended. Each session counts once."""
    facilitated = GroupSession.facilitator_mentors.through.objects.filter(mentor=mentor).values(
        "groupsession_id"
    )
    circles = Attendance.objects.filter(mentor=mentor, session__kind=Kind.MENTOR_CIRCLE).values(
        "session_id"
    )
    return GroupSession.objects.held().filter(
        Q(pk__in=facilitated) | Q(pk__in=circles), attendance_taken_at__isnull=False
    )


def mentor_group_minutes(
    mentor: Mentor, start: dt.date | None = None, end: dt.date | None = None
) -> int:
    """Minutes of group work in [start, end] (local dates), for hours and the certificate."""
    qs = counted_sessions(mentor)
    if start:
        qs = qs.filter(starts_at__gte=_local_start(start))
    if end:
        qs = qs.filter(starts_at__lt=_local_start(end + dt.timedelta(days=1)))
    return qs.aggregate(minutes=Sum("duration_minutes"))["minutes"] or 0


def circles_attended(mentor: Mentor, *, days: int = 90, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return (
        Attendance.objects.filter(
            mentor=mentor,
            session__kind=Kind.MENTOR_CIRCLE,
            session__status=GroupSession.Status.SCHEDULED,
            session__starts_at__gte=now - dt.timedelta(days=days),
        )
        .values("session_id")
        .distinct()
        .count()
    )


def with_counts(qs: QuerySet[GroupSession]) -> QuerySet[GroupSession]:
    return qs.select_related("house", "series").annotate(present=Count("attendance", distinct=True))


def today_for(user, *, now: dt.datetime | None = None) -> list[GroupSession]:
    """The facilitator's sessions today (their local day), cancelled ones included so they
    know not to go."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return list(
        with_counts(
            GroupSession.objects.facilitated_by(user).filter(
                starts_at__gte=_local_start(today),
                starts_at__lt=_local_start(today + dt.timedelta(days=1)),
            )
        ).order_by("starts_at", "id")[:20]
    )


def upcoming(qs: QuerySet[GroupSession], *, now: dt.datetime, weeks: int = 4) -> list[GroupSession]:
    return list(
        with_counts(
            qs.filter(
                starts_at__gte=now - dt.timedelta(hours=12),
                starts_at__lt=now + dt.timedelta(weeks=weeks),
            )
        ).order_by("starts_at", "id")[:200]
    )


def weekly_attendance_rate(house: House, *, now: dt.datetime, weeks: int = 4) -> float | None:
    """Residents present per house meeting held in the last `weeks`, over active residents."""
    held = GroupSession.objects.held().filter(
        house=house,
        kind=Kind.HOUSE_MEETING,
        attendance_taken_at__isnull=False,
        starts_at__gte=now - dt.timedelta(weeks=weeks),
        starts_at__lt=now,
    )
    row = held.aggregate(
        sessions=Count("pk", distinct=True),
        present=Count("attendance", filter=Q(attendance__resident__isnull=False)),
    )
    active = Resident.objects.filter(house=house, status=Resident.Status.ACTIVE).count()
    if not row["sessions"] or not active:
        return None
    return min(row["present"] / (row["sessions"] * active), 1.0)


@dataclass(frozen=True)
class KindAttendance:
    kind: str
    label: str
    attended: int
    held: int


def resident_attendance(
    resident: Resident, *, days: int = 90, now: dt.datetime | None = None
) -> list[KindAttendance]:
    """Attended / held by kind over the last `days`: held = sessions of the resident's house
    with attendance taken while they lived there."""
    now = now or timezone.now()
    since = max(now - dt.timedelta(days=days), _local_start(resident.move_in_date))
    rows = (
        GroupSession.objects.held()
        .filter(
            house_id=resident.house_id,
            attendance_taken_at__isnull=False,
            starts_at__gte=since,
            starts_at__lt=now,
        )
        .values("kind")
        .annotate(
            held=Count("pk", distinct=True),
            attended=Count("attendance", filter=Q(attendance__resident=resident)),
        )
    )
    by_kind = {r["kind"]: r for r in rows}
    return [
        KindAttendance(
            kind=value,
            label=label,
            attended=by_kind.get(value, {}).get("attended", 0),
            held=by_kind.get(value, {}).get("held", 0),
        )
        for value, label in Kind.choices
        if value != Kind.MENTOR_CIRCLE
    ]


class _EndedBefore(Expression):
    """Sessions that ended before `cutoff`, in SQL any database runs (no interval arithmetic):
    lengths in 30-minute steps, each step rounded up, so a session shows at most 29 minutes late.

    The SQL of OR-ing one `Q(duration_minutes__gt=.., duration_minutes__lte=.., starts_at__lte=..)`
    per step, written directly: the ORM took ~3 ms to compile those 60 lookups on every
    dashboard view (the test compares both)."""

    conditional = True

    def __init__(self, cutoff: dt.datetime):
        super().__init__(output_field=BooleanField())
        self.cutoff = cutoff
        self.columns = [F("duration_minutes"), F("starts_at")]

    def get_source_expressions(self):
        return self.columns

    def set_source_expressions(self, exprs):
        self.columns = list(exprs)

    def as_sql(self, compiler, connection):
        (duration, duration_params), (starts, starts_params) = (
            compiler.compile(column) for column in self.columns
        )
        parts, params = [], []
        for upper in range(BUCKET_MINUTES, MAX_MINUTES + 1, BUCKET_MINUTES):
            latest_start = self.cutoff - dt.timedelta(minutes=upper)
            parts.append(f"({duration} > %s AND {duration} <= %s AND {starts} <= %s)")
            params.extend(
                [
                    *duration_params,
                    upper - BUCKET_MINUTES,
                    *duration_params,
                    upper,
                    *starts_params,
                    connection.ops.adapt_datetimefield_value(latest_start),
                ]
            )
        return f"({' OR '.join(parts)})", params


def sessions_without_attendance(sessions: QuerySet[GroupSession], *, now: dt.datetime) -> Capped:
    """Held sessions that ended more than a day ago with no attendance (group_session_no_att_idx).
    One query whatever the size."""
    cutoff = now - NO_ATTENDANCE_AFTER
    qs = (
        sessions.filter(
            status=GroupSession.Status.SCHEDULED,
            attendance_taken_at__isnull=True,
            starts_at__lt=cutoff,
        )
        .filter(_EndedBefore(cutoff))
        .select_related("house")
        .order_by("starts_at", "id")
    )
    return capped(qs)


def residents_missing_meetings(
    residents: QuerySet[Resident], *, now: dt.datetime, days: int = HOUSE_MEETING_DAYS
) -> Capped:
    """Active residents of a house that held house meetings in the last `days` while they lived
    there, who attended none of them."""
    since = now - dt.timedelta(days=days)
    meetings = GroupSession.objects.held().filter(
        kind=Kind.HOUSE_MEETING,
        attendance_taken_at__isnull=False,
        starts_at__gte=since,
        starts_at__lt=now,
    )
    held_while_here = meetings.filter(
        house_id=OuterRef("house_id"), starts_at__date__gte=OuterRef("move_in_date")
    )
    attended = Attendance.objects.filter(resident_id=OuterRef("pk"), session__in=meetings)
    qs = (
        residents.filter(status=Resident.Status.ACTIVE)
        .filter(Exists(held_while_here))
        .exclude(Exists(attended))
        .select_related("house")
        .only("id", "preferred_name", "house_id", "house__name")
        # House name as an expression (the same order: names are never NULL): sorted by the
        # plain column, PostgreSQL walks the house name index in a nested loop for the LIMIT,
        # but the window count needs every row: all houses 36 ms -> 15 ms at --scale large.
        .order_by(Coalesce("house__name", Value("")), "preferred_name", "id")
    )
    return capped(qs)


@dataclass
class Attention:
    no_attendance: Capped
    missing_meetings: Capped

    @property
    def total(self) -> int:
        return self.no_attendance.total + self.missing_meetings.total


def attention(scope, now: dt.datetime) -> Attention:
    """The dashboard card: sessions waiting for attendance, residents missing house meetings.
    Two queries whatever the data size. `scope` is activity_log.reports.scope.Scope."""
    sessions = GroupSession.objects.visible_to(scope.user)
    if scope.house_id:
        sessions = sessions.filter(house_id=scope.house_id)
    return Attention(
        no_attendance=sessions_without_attendance(sessions, now=now),
        missing_meetings=residents_missing_meetings(scope.staff_residents(), now=now),
    )


def mentor_group_minutes_by_month(mentor: Mentor, first: dt.date) -> dict[dt.date, int]:
    """Group minutes per local calendar month from `first` (My progress, hours by month)."""
    from django.db.models.functions import TruncMonth

    rows = (
        counted_sessions(mentor)
        .filter(starts_at__gte=_local_start(first))
        .annotate(month=TruncMonth("starts_at"))
        .order_by()
        .values("month")
        .annotate(minutes=Sum("duration_minutes"))
    )
    return {
        (r["month"].date() if isinstance(r["month"], dt.datetime) else r["month"]): r["minutes"]
        for r in rows
    }
