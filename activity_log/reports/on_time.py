"""On-time check-in figures for the dashboard and the reports page, computed in the database.

Every function here runs a fixed number of queries whatever the data size: counts, sums and
shares are SQL aggregates, never Python loops over rows. Scope always starts from
`visible_to(user)` and is narrowed by the optional house filter (see `Scope`).

Dates are in the program time zone (settings.TIME_ZONE), for every house: a period
"1 to 31 March" is [1 March 00:00, 1 April 00:00) program time. See docs/dashboard.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Lag
from django.utils import timezone

from activity_log.models import ContactLog
from activity_log.reports.scope import NO_ANSWER, Period, Scope, share
from matching.models import Pairing
from mentors.models import Mentor

# Longest allowed check-in interval (Pairing constraint) plus a day for the time-zone shift:
# the previous contact that decides a contact's due time is never further back than this.
LOOKBACK = dt.timedelta(days=31)


def _program_utc_offset() -> dt.timedelta:
    return timezone.localtime().utcoffset() or dt.timedelta(0)


def contacts_with_due(contacts: QuerySet[ContactLog]) -> QuerySet[ContactLog]:
    """Real contacts (not "no answer") annotated with `on_time`.

    A contact is on time when it happened no later than the due time in force at that moment
    plus the reminder grace: due = (the pairing's previous real contact, or 00:00 program time
    of its start day) + its check-in interval. The previous contact comes from a window
    function (LAG), so the caller must include the LOOKBACK before its period.
    """
    one_day = Value(dt.timedelta(days=1), output_field=DurationField())
    start_of_pairing = ExpressionWrapper(
        Cast("pairing__started_on", DateTimeField())
        - Value(_program_utc_offset(), output_field=DurationField()),
        output_field=DateTimeField(),
    )
    interval = ExpressionWrapper(
        Cast("pairing__checkin_interval_days", IntegerField()) * one_day,
        output_field=DurationField(),
    )
    return (
        contacts.exclude(method=NO_ANSWER)
        .order_by()
        .annotate(
            previous_at=Window(
                Lag("happened_at"),
                partition_by=[F("pairing_id")],
                order_by=[F("happened_at").asc(), F("id").asc()],
            )
        )
        .annotate(
            due_by=ExpressionWrapper(
                Coalesce(F("previous_at"), start_of_pairing)
                + interval
                + Value(settings.REMINDER_GRACE, output_field=DurationField()),
                output_field=DateTimeField(),
            )
        )
        .annotate(
            on_time=ExpressionWrapper(Q(happened_at__lte=F("due_by")), output_field=BooleanField())
        )
    )


def _missed_filter(period: Period, now: dt.datetime, prefix: str = "") -> Q:
    """Active pairings still overdue, counted as missed check-ins when judging `period`."""
    cutoff = period.judged_until(now) - settings.REMINDER_GRACE
    return Q(**{f"{prefix}status": Pairing.Status.ACTIVE, f"{prefix}next_due_at__lt": cutoff})


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
