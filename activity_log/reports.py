"""Program figures for the dashboard and the reports page, computed in the database.

Every function here runs a fixed number of queries whatever the data size: counts, sums and
shares are SQL aggregates, never Python loops over rows. Scope always starts from
`visible_to(user)` and is narrowed by the optional house filter (see `Scope`).

Dates are in the program time zone (settings.TIME_ZONE), for every house: a period
"1 to 31 March" is [1 March 00:00, 1 April 00:00) program time. See docs/dashboard.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from activity_log import rollup
from activity_log.models import ContactLog
from matching import checkins
from matching.models import Pairing
from mentoring_site.roles import Role, role_of
from mentors.models import Mentor, TrainingRecord
from residents.models import House, RecoveryGoal, Resident

NO_ANSWER = ContactLog.Method.NO_ANSWER
# Longest allowed check-in interval (Pairing constraint) plus a day for the time-zone shift:
# the previous contact that decides a contact's due time is never further back than this.
LOOKBACK = dt.timedelta(days=31)
EXIT_STATUSES = (
    Resident.Status.GRADUATED,
    Resident.Status.MOVED_OUT,
    Resident.Status.DISCHARGED,
)


# --- Scope and periods -------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What one user may count: `visible_to(user)`, narrowed to one house when filtered."""

    user: object
    house_id: int | None = None
    # Houses the user may see (ids), loaded once by the view for the house filter.
    house_ids: tuple[int, ...] = ()
    all_houses: bool = False

    def houses(self) -> QuerySet[House]:
        qs = House.objects.visible_to(self.user)
        return qs.filter(pk=self.house_id) if self.house_id else qs

    def _house_ids(self) -> tuple[int, ...] | None:
        """The house ids to filter on, or None for every house.

        A manager's `house_ids` are exactly the houses `visible_to` allows, so filtering on them
        as well changes no result; it gives PostgreSQL literal ids to estimate with. Joined
        through house managers alone, it guesses an average house (~230 residents at --scale
        large) and scans every active resident (dashboard waiting list 16 ms -> 0.6 ms).
        """
        if self.house_id:
            return (self.house_id,)
        if self.house_ids and not self.all_houses:
            return self.house_ids
        return None

    def rollup_house_ids(self) -> tuple[int, ...] | None:
        """The houses whose roll-up rows this scope counts (None: every house).

        Staff only: what an admin or a manager may see is whole houses, exactly
        `ContactLog.visible_to` for them. A mentor sees only their own contacts, which the
        per-house roll-up cannot tell apart, so a mentor's scope counts nothing here.
        """
        role = role_of(self.user)
        if role not in (Role.ADMIN, Role.MANAGER):
            return ()
        if self.house_id:
            return (self.house_id,)
        if role == Role.ADMIN and self.all_houses:
            return None
        return self.house_ids

    def residents(self) -> QuerySet[Resident]:
        qs = Resident.objects.visible_to(self.user)
        ids = self._house_ids()
        return qs.filter(house_id__in=ids) if ids else qs

    def pairings(self) -> QuerySet[Pairing]:
        qs = Pairing.objects.visible_to(self.user)
        ids = self._house_ids()
        return qs.filter(resident__house_id__in=ids) if ids else qs

    def contacts(self) -> QuerySet[ContactLog]:
        qs = ContactLog.objects.visible_to(self.user)
        ids = self._house_ids()
        return qs.filter(pairing__resident__house_id__in=ids) if ids else qs

    def training_records(self) -> QuerySet[TrainingRecord]:
        """Training of mentors who serve the houses in scope (training belongs to no house)."""
        if self.all_houses and not self.house_id:
            return TrainingRecord.objects.all()
        ids = (self.house_id,) if self.house_id else self.house_ids
        serving = Mentor.houses.through.objects.filter(
            mentor_id=OuterRef("mentor_id"), house_id__in=ids
        )
        return TrainingRecord.objects.filter(Q(mentor__serves_all_houses=True) | Exists(serving))


def scope_for(user, house_id: int | None, houses: list[House], all_houses: bool) -> Scope:
    return Scope(
        user=user,
        house_id=house_id,
        house_ids=tuple(h.pk for h in houses),
        all_houses=all_houses,
    )


def local_midnight(day: dt.date) -> dt.datetime:
    """00:00 of `day` in the program time zone, as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class Period:
    """Whole days `start` to `end` inclusive, in the program time zone."""

    start: dt.date
    end: dt.date

    @property
    def start_at(self) -> dt.datetime:
        return local_midnight(self.start)

    @property
    def end_at(self) -> dt.datetime:
        return local_midnight(self.end + dt.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @classmethod
    def last_days(cls, days: int, today: dt.date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(start=today - dt.timedelta(days=days - 1), end=today)

    def judged_until(self, now: dt.datetime) -> dt.datetime:
        """Check-ins are judged up to the end of the period or now, whichever is earlier."""
        return min(self.end_at, now)


def share(part: int | None, whole: int | None) -> float | None:
    """part / whole as a fraction, or None when there is nothing to divide by."""
    if not whole:
        return None
    return (part or 0) / whole


# --- On-time check-ins -------------------------------------------------------------------------


def contacts_with_due(contacts: QuerySet[ContactLog]) -> QuerySet[ContactLog]:
    """Real contacts (not "no answer"); each carries `on_time`, stored by the check-in rule
    (matching/checkins.py): it happened before its due in force became overdue."""
    return contacts.exclude(method=NO_ANSWER).order_by()


def _missed_filter(period: Period, now: dt.datetime, prefix: str = "") -> Q:
    """Active pairings still overdue at the end of `period` (or now), counted as missed."""
    return checkins.overdue_q(period.judged_until(now), prefix)


def _made_on_time(scope: Scope, periods: dict[str, Period]) -> dict[str, int]:
    """{key_made, key_on_time} for each period, in one windowed query."""
    earliest = min(p.start_at for p in periods.values())
    latest = max(p.end_at for p in periods.values())
    base = scope.contacts().filter(happened_at__gte=earliest - LOOKBACK, happened_at__lt=latest)
    aggregates = {}
    for key, p in periods.items():
        in_period = Q(happened_at__gte=p.start_at, happened_at__lt=p.end_at)
        aggregates[f"{key}_made"] = Count("id", filter=in_period)
        aggregates[f"{key}_on_time"] = Count("id", filter=in_period & Q(on_time=True))
    return contacts_with_due(base).aggregate(**aggregates)


def _missed_aggregates(periods: dict[str, Period], now: dt.datetime) -> dict[str, Count]:
    return {
        f"{key}_missed": Count("id", filter=_missed_filter(p, now)) for key, p in periods.items()
    }


def _on_time_result(made: dict, missed: dict, periods: dict[str, Period]) -> dict[str, dict]:
    result = {}
    for key in periods:
        m, ok, miss = made[f"{key}_made"], made[f"{key}_on_time"], missed[f"{key}_missed"]
        result[key] = {"made": m, "on_time": ok, "missed": miss, "share": share(ok, m + miss)}
    return result


def on_time_figures(
    scope: Scope, periods: dict[str, Period], now: dt.datetime
) -> dict[str, dict[str, int | float | None]]:
    """{key: {made, on_time, missed, share}} for each period. Two queries."""
    made = _made_on_time(scope, periods)
    missed = scope.pairings().aggregate(**_missed_aggregates(periods, now))
    return _on_time_result(made, missed, periods)


@dataclass
class MentorConsistency:
    mentor: Mentor
    mentees: int
    made: int
    on_time: int
    missed: int
    last_contact_at: dt.datetime | None

    @property
    def share(self) -> float | None:
        return share(self.on_time, self.made + self.missed)


def mentor_consistency(
    scope: Scope, period: Period, now: dt.datetime, limit: int = 20
) -> tuple[list[MentorConsistency], int]:
    """Mentors with active mentees in scope, least consistent first; (top `limit`, total)."""
    checkins = checkins_by_mentor(scope, {"p": period}, rank="p", now=now, limit=limit)
    return checkins.mentors, checkins.listed


@dataclass
class Checkins:
    """On-time figures per period for the whole scope, and the least consistent mentors."""

    totals: dict[str, dict]
    mentors: list[MentorConsistency]
    listed: int


def checkins_by_mentor(
    scope: Scope, periods: dict[str, Period], *, rank: str, now: dt.datetime, limit: int
) -> Checkins:
    """One SQL statement over the on-time window (`contacts_with_due`), plus one for names.

    Window functions cannot be grouped by the ORM, so the ORM's own SQL for the windowed
    contacts and for the active pairings is wrapped: grouped by mentor, the totals of every
    mentor (first row) and the `limit` least consistent mentors with an active mentee in
    scope, ranked on period `rank` (nothing due yet ranks last).
    """
    earliest = min(p.start_at for p in periods.values())
    latest = max(p.end_at for p in periods.values())
    contacts = contacts_with_due(
        scope.contacts().filter(happened_at__gte=earliest - LOOKBACK, happened_at__lt=latest)
    ).values("happened_at", "on_time", mentor=F("pairing__mentor_id"))
    pairings = (
        scope.pairings()
        .filter(status=Pairing.Status.ACTIVE)
        .annotate(
            **{
                f"missed_{key}": Case(When(_missed_filter(p, now), then=1), default=0)
                for key, p in periods.items()
            }
        )
        .values("mentor_id", *[f"missed_{key}" for key in periods])
        .order_by()
    )
    c_sql, c_params = contacts.query.sql_with_params()
    p_sql, p_params = pairings.query.sql_with_params()
    keys = list(periods)
    contact_cols, pairing_cols, sums, picks, case_params = [], [], [], [], []
    for key in keys:
        window = "c.happened_at >= %s AND c.happened_at < %s"
        contact_cols += [
            f"CASE WHEN {window} THEN 1 ELSE 0 END AS made_{key}",
            f"CASE WHEN {window} AND c.on_time THEN 1 ELSE 0 END AS on_{key}",
            f"0 AS missed_{key}",
        ]
        bounds = [periods[key].start_at, periods[key].end_at]
        if connection.vendor == "sqlite":
            # Django stores SQLite datetimes as text in this shape; compare like with like.
            bounds = [_sqlite_datetime(b) for b in bounds]
        case_params += bounds * 2
        pairing_cols += ["0", "0", f"p.missed_{key}"]
        sums += [
            f"SUM(made_{key}) AS made_{key}",
            f"SUM(on_{key}) AS on_{key}",
            f"SUM(missed_{key}) AS missed_{key}",
        ]
        picks += [f"made_{key}", f"on_{key}", f"missed_{key}"]
    due = f"(made_{rank} + missed_{rank})"
    sql = f"""
        WITH g AS (
            SELECT mentor_id, SUM(active) AS mentees, {", ".join(sums)}
            FROM (
                SELECT c.mentor AS mentor_id, 0 AS active, {", ".join(contact_cols)}
                FROM ({c_sql}) c
                UNION ALL
                SELECT p.mentor_id, 1, {", ".join(pairing_cols)}
                FROM ({p_sql}) p
            ) x
            GROUP BY mentor_id
        ),
        ranked AS (
            SELECT g.*, ROW_NUMBER() OVER (
                ORDER BY CASE WHEN {due} = 0 THEN 1 ELSE 0 END,
                         1.0 * on_{rank} / (CASE WHEN {due} = 0 THEN 1 ELSE {due} END),
                         missed_{rank} DESC, mentor_id
            ) AS position
            FROM g WHERE mentees > 0
        )
        SELECT 0 AS kind, NULL AS mentor_id, (SELECT COUNT(*) FROM ranked) AS mentees,
               {", ".join(f"SUM({c})" for c in picks)}, 0 AS position
        FROM g
        UNION ALL
        SELECT 1, mentor_id, mentees, {", ".join(picks)}, position
        FROM ranked WHERE position <= %s
        ORDER BY 1, {4 + len(picks)}
    """
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The window sorts 120 days of contacts: keep the sort in memory, for this statement.
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, [*case_params, *c_params, *p_params, limit])
        rows = cursor.fetchall()
    head, rows = rows[0], rows[1:]

    def figures(row, i: int) -> tuple[int, int, int]:
        base = 3 + 3 * i
        return tuple(int(v or 0) for v in row[base : base + 3])

    totals = {}
    for i, key in enumerate(keys):
        made, on_time, missed = figures(head, i)
        totals[key] = {
            "made": made,
            "on_time": on_time,
            "missed": missed,
            "share": share(on_time, made + missed),
        }
    ids = [row[1] for row in rows]
    last_contact = Max(
        "pairings__last_contact_at",
        filter=Q(pairings__in=scope.pairings().filter(status=Pairing.Status.ACTIVE)),
    )
    found = (
        {
            m.pk: m
            for m in Mentor.objects.filter(pk__in=ids)
            .select_related("user")
            .annotate(last=last_contact)
        }
        if ids
        else {}
    )
    r = keys.index(rank)
    mentors = []
    for row in rows:
        made, on_time, missed = figures(row, r)
        mentor = found[row[1]]
        mentors.append(
            MentorConsistency(
                mentor=mentor,
                mentees=int(row[2]),
                made=made,
                on_time=on_time,
                missed=missed,
                last_contact_at=mentor.last,
            )
        )
    return Checkins(totals=totals, mentors=mentors, listed=int(head[2] or 0))


def _sqlite_datetime(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")


def contact_figures_live(
    scope: Scope, period: Period
) -> tuple[dict[str, tuple[int, int, int]], list[tuple[str, int]]]:
    """What `rollup.rolled_up_contacts` answers, computed from the contacts themselves.

    The reference the roll-up is tested against (tests/activity_log/test_report_rollup.py):
    ({method: (contacts, minutes, on_time)}, [(topic name, contacts)] most first). Three
    queries, 1-2 s for every house at --scale large.
    """
    in_period = Q(happened_at__gte=period.start_at, happened_at__lt=period.end_at)
    contacts = scope.contacts().filter(in_period).order_by()
    counts = {
        method: (n, minutes)
        for method, n, minutes in contacts.values("method")
        .annotate(n=Count("id"), minutes=Sum("duration_minutes"))
        .values_list("method", "n", "minutes")
    }
    windowed = contacts_with_due(
        scope.contacts().filter(
            happened_at__gte=period.start_at - LOOKBACK, happened_at__lt=period.end_at
        )
    )
    on_time = windowed.aggregate(
        **{
            method: Count("id", filter=in_period & Q(method=method, on_time=True))
            for method in ContactLog.Method.values
        }
    )
    by_topic = list(
        contacts.filter(topics__isnull=False)
        .values("topics__name")
        .annotate(n=Count("id"))
        .order_by("-n", "topics__name")
        .values_list("topics__name", "n")
    )
    by_method = {
        method: (n, minutes or 0, on_time.get(method) or 0)
        for method, (n, minutes) in counts.items()
    }
    return by_method, by_topic


# --- Program health (dashboard) ----------------------------------------------------------------

CHART_WEEKS = 13


@dataclass
class Health:
    periods: dict[str, Period]
    on_time: dict[str, dict]
    contacts: dict[str, int]
    hours: dict[str, Decimal]
    pairings: dict[str, int]
    residents: dict[str, int]
    mentored: dict[str, int]
    weeks: list[tuple[dt.date, int]] = field(default_factory=list)
    consistency: list[MentorConsistency] = field(default_factory=list)
    consistency_listed: int = 0

    def mentored_share(self, key: str) -> float | None:
        return share(self.mentored[key], self.residents[key])


def _overlapping_pairing(period: Period, resident_ref: str = "pk") -> Exists:
    return Exists(
        Pairing.objects.filter(
            resident_id=OuterRef(resident_ref),
            started_on__lte=period.end,
        ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=period.start))
    )


def _resident_in_period(period: Period, prefix: str = "") -> Q:
    return Q(**{f"{prefix}move_in_date__lte": period.end}) & (
        Q(**{f"{prefix}exit_date__isnull": True}) | Q(**{f"{prefix}exit_date__gte": period.start})
    )


def _pairing_in_period(period: Period) -> Q:
    return Q(started_on__lte=period.end) & (
        Q(ended_on__isnull=True) | Q(ended_on__gte=period.start)
    )


def program_health(
    scope: Scope, now: dt.datetime | None = None, consistency_limit: int = 20
) -> Health:
    """Last 30 and 90 days, and mentor consistency over 30 days. Six queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    periods = {"d30": Period.last_days(30, today), "d90": Period.last_days(90, today)}
    checkins = checkins_by_mentor(scope, periods, rank="d30", now=now, limit=consistency_limit)

    week_ends = [today - dt.timedelta(days=7 * k) for k in range(CHART_WEEKS - 1, -1, -1)]
    week_periods = [Period(end - dt.timedelta(days=6), end) for end in week_ends]
    first = min(week_periods[0].start_at, periods["d90"].start_at)
    # Contacts and minutes per local day (at most 91 x 2 rows); periods and weeks are sums of days.
    daily = list(
        scope.contacts()
        .filter(happened_at__gte=first, happened_at__lt=periods["d30"].end_at)
        .annotate(
            day=TruncDate("happened_at", tzinfo=timezone.get_current_timezone()),
            attempt=ExpressionWrapper(Q(method=NO_ANSWER), output_field=BooleanField()),
        )
        .order_by()
        .values("day", "attempt")
        .annotate(n=Count("id"), minutes=Sum("duration_minutes"))
        .values_list("day", "attempt", "n", "minutes")
    )

    def total(start: dt.date, end: dt.date, *, minutes: bool = False) -> int:
        if minutes:
            return sum(m for day, _, _, m in daily if start <= day <= end)
        return sum(n for day, attempt, n, _ in daily if start <= day <= end and not attempt)

    training = scope.training_records().aggregate(
        **{
            key: Coalesce(
                Sum("hours", filter=Q(completed_on__gte=p.start, completed_on__lte=p.end)),
                Value(Decimal("0")),
            )
            for key, p in periods.items()
        }
    )
    pairing_figures = scope.pairings().aggregate(
        **{key: Count("id", filter=_pairing_in_period(p)) for key, p in periods.items()}
    )
    resident_aggregates = {}
    for key, p in periods.items():
        resident_aggregates[f"{key}_residents"] = Count("id", filter=_resident_in_period(p))
        resident_aggregates[f"{key}_mentored"] = Count(
            "id", filter=_resident_in_period(p) & Q(_overlapping_pairing(p))
        )
    resident_figures = scope.residents().aggregate(**resident_aggregates)
    return Health(
        periods=periods,
        on_time=checkins.totals,
        contacts={k: total(p.start, p.end) for k, p in periods.items()},
        hours={
            k: (Decimal(total(p.start, p.end, minutes=True)) / 60 + Decimal(training[k])).quantize(
                Decimal("0.1")
            )
            for k, p in periods.items()
        },
        pairings={k: pairing_figures[k] for k in periods},
        residents={k: resident_figures[f"{k}_residents"] for k in periods},
        mentored={k: resident_figures[f"{k}_mentored"] for k in periods},
        weeks=[(wp.start, total(wp.start, wp.end)) for wp in week_periods],
        consistency=checkins.mentors,
        consistency_listed=checkins.listed,
    )


# --- Reports page ------------------------------------------------------------------------------


@dataclass
class ExitGroup:
    status: str
    label: str
    mentored: bool
    count: int
    average_stay_days: float | None


@dataclass
class Report:
    period: Period
    residents_served: int
    residents_mentored: int
    contacts_total: int
    by_method: list[tuple[str, int]]
    by_topic: list[tuple[str, int]]
    contact_hours: Decimal
    training_hours: Decimal
    on_time: dict
    urgent_raised: int
    urgent_acknowledged: int
    median_acknowledge: dt.timedelta | None
    exits: list[ExitGroup]
    goals_achieved: int
    goals_by_category: list[tuple[str, int]]
    age_bands: list[tuple[str, int]]

    @property
    def mentored_share(self) -> float | None:
        return share(self.residents_mentored, self.residents_served)

    @property
    def hours_total(self) -> Decimal:
        return self.contact_hours + self.training_hours


AGE_BANDS = [
    ("Under 25", None, 24),
    ("25-34", 25, 34),
    ("35-44", 35, 44),
    ("45-54", 45, 54),
    ("55-64", 55, 64),
    ("65 and over", 65, None),
]
AGE_UNKNOWN = "Not recorded"


def _age_band_case(year: int) -> Case:
    """Age in `year` (birth year only, so +-1) mapped to a band, in SQL."""
    whens = []
    for label, low, high in AGE_BANDS:
        q = Q()
        if low is not None:
            q &= Q(birth_year__lte=year - low)
        if high is not None:
            q &= Q(birth_year__gte=year - high)
        whens.append(When(Q(birth_year__isnull=False) & q, then=Value(label)))
    return Case(*whens, default=Value(AGE_UNKNOWN))


def _median_acknowledge(urgent: QuerySet[ContactLog], count: int) -> dt.timedelta | None:
    """Median of acknowledged_at - created_at, picked in the database by offset (one query)."""
    if not count:
        return None
    delay = ExpressionWrapper(F("acknowledged_at") - F("created_at"), output_field=DurationField())
    middle = list(
        urgent.filter(acknowledged_at__isnull=False)
        .annotate(delay=delay)
        .order_by("delay")
        .values_list("delay", flat=True)[(count - 1) // 2 : count // 2 + 1]
    )
    if not middle:
        return None
    total = sum(middle, dt.timedelta(0))
    return total / len(middle)


def build_report(scope: Scope, period: Period, now: dt.datetime | None = None) -> Report:
    """Everything the reports page, its CSV and the funder export show. Fixed query count."""
    now = now or timezone.now()
    in_period = Q(happened_at__gte=period.start_at, happened_at__lt=period.end_at)
    contacts = scope.contacts().filter(in_period)

    served = scope.residents().filter(_resident_in_period(period))
    resident_figures = served.aggregate(
        served=Count("id"), mentored=Count("id", filter=Q(_overlapping_pairing(period)))
    )
    ages = dict(
        served.annotate(band=_age_band_case(period.end.year))
        .order_by()
        .values("band")
        .annotate(n=Count("id"))
        .values_list("band", "n")
    )
    # Contacts by method and topic, minutes and on-time check-ins come from the roll-up
    # (activity_log/rollup.py), not from the period's contacts: 1.1-1.7 s -> a few ms at scale.
    rolled, by_topic = rollup.rolled_up_contacts(scope.rollup_house_ids(), period.start, period.end)
    method_labels = dict(ContactLog.Method.choices)
    by_method = [(label, rolled.get(value, (0, 0, 0))[0]) for value, label in method_labels.items()]
    contact_figures = {
        "total": sum(n for n, _, _ in rolled.values()),
        "minutes": sum(minutes for _, minutes, _ in rolled.values()),
    }
    training = scope.training_records().aggregate(
        hours=Coalesce(
            Sum("hours", filter=Q(completed_on__gte=period.start, completed_on__lte=period.end)),
            Value(Decimal("0")),
        )
    )
    made = {
        "range_made": sum(n for m, (n, _, _) in rolled.items() if m != NO_ANSWER),
        "range_on_time": sum(ok for m, (_, _, ok) in rolled.items() if m != NO_ANSWER),
    }
    missed = scope.pairings().aggregate(**_missed_aggregates({"range": period}, now))
    on_time = _on_time_result(made, missed, {"range": period})["range"]

    urgent = contacts.filter(concern_level=ContactLog.Concern.URGENT)
    urgent_figures = urgent.aggregate(
        raised=Count("id"), acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False))
    )
    median = _median_acknowledge(urgent, urgent_figures["acknowledged"])

    had_mentor = Exists(
        Pairing.objects.filter(resident_id=OuterRef("pk"), started_on__lte=OuterRef("exit_date"))
    )
    stay = ExpressionWrapper(F("exit_date") - F("move_in_date"), output_field=DurationField())
    exit_rows = (
        scope.residents()
        .filter(status__in=EXIT_STATUSES, exit_date__gte=period.start, exit_date__lte=period.end)
        .annotate(had_mentor=had_mentor)
        .order_by()
        .values("status", "had_mentor")
        .annotate(n=Count("id"), average_stay=Avg(stay))
    )
    found = {(r["status"], bool(r["had_mentor"])): r for r in exit_rows}
    labels = dict(Resident.Status.choices)
    exits = []
    for status in EXIT_STATUSES:
        for mentored in (True, False):
            row = found.get((status, mentored))
            average = row["average_stay"] if row else None
            exits.append(
                ExitGroup(
                    status=status,
                    label=labels[status],
                    mentored=mentored,
                    count=row["n"] if row else 0,
                    average_stay_days=_days(average),
                )
            )
    goals = dict(
        RecoveryGoal.objects.filter(
            resident__in=scope.residents(),
            status=RecoveryGoal.Status.ACHIEVED,
            closed_on__gte=period.start,
            closed_on__lte=period.end,
        )
        .order_by()
        .values("category")
        .annotate(n=Count("id"))
        .values_list("category", "n")
    )
    categories = dict(RecoveryGoal.Category.choices)
    return Report(
        period=period,
        residents_served=resident_figures["served"],
        residents_mentored=resident_figures["mentored"],
        contacts_total=contact_figures["total"],
        by_method=by_method,
        by_topic=by_topic,
        contact_hours=(Decimal(contact_figures["minutes"]) / 60).quantize(Decimal("0.1")),
        training_hours=Decimal(training["hours"]).quantize(Decimal("0.1")),
        on_time=on_time,
        urgent_raised=urgent_figures["raised"],
        urgent_acknowledged=urgent_figures["acknowledged"],
        median_acknowledge=median,
        exits=exits,
        goals_achieved=sum(goals.values()),
        goals_by_category=[(label, goals.get(value, 0)) for value, label in categories.items()],
        age_bands=[(label, ages.get(label, 0)) for label, _, _ in AGE_BANDS]
        + [(AGE_UNKNOWN, ages.get(AGE_UNKNOWN, 0))],
    )


def _days(value) -> float | None:
    """Average stay from the database: a timedelta (PostgreSQL, SQLite) or microseconds."""
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return round(value.total_seconds() / 86400, 1)
    return round(float(value) / 86_400_000_000, 1)
