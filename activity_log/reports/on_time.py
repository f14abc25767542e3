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

from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
    When,
)

from activity_log.models import ContactLog
from activity_log.reports.scope import NO_ANSWER, Period, Scope, share
from matching import checkins
from matching.models import Pairing
from mentors.models import Mentor


def contacts_with_due(contacts: QuerySet[ContactLog]) -> QuerySet[ContactLog]:
    """Real contacts (not "no answer"); each carries `on_time`, stored by the check-in rule
    (matching/checkins.py): it happened by the end of the due day in force when it was made."""
    return contacts.exclude(method=NO_ANSWER).order_by()


def _missed_filter(period: Period, now: dt.datetime, prefix: str = "") -> Q:
    """Active pairings still overdue at the end of `period` (or now), counted as missed."""
    return checkins.overdue_q(period.judged_until(now), prefix)


def _made_on_time(scope: Scope, periods: dict[str, Period]) -> dict[str, int]:
    """{key_made, key_on_time} for each period, in one query."""
    earliest = min(p.start_at for p in periods.values())
    latest = max(p.end_at for p in periods.values())
    base = scope.contacts().filter(happened_at__gte=earliest, happened_at__lt=latest)
    aggregates = {}
    for key, p in periods.items():
        in_period = Q(happened_at__gte=p.start_at, happened_at__lt=p.end_at)
        aggregates[f"{key}_made"] = Count("id", filter=in_period)
        aggregates[f"{key}_on_time"] = Count("id", filter=in_period & checkins.on_time_q())
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
    """On-time figures per period for the scope and the `limit` least consistent mentors with
    an active mentee in scope, ranked on period `rank` (nothing due yet ranks last).

    One SQL statement (`_grouped_sql`) over the contacts (`_contact_rows`) and the active
    pairings (`_pairing_rows`) grouped by mentor, plus one query for the listed mentors' names.
    """
    keys = list(periods)
    contact_sql, contact_params = _contact_rows(scope, periods).query.sql_with_params()
    pairing_sql, pairing_params = _pairing_rows(scope, periods, now).query.sql_with_params()
    sql, window_params = _grouped_sql(periods, rank, contact_sql, pairing_sql)
    head, *rows = _fetch(sql, [*window_params, *contact_params, *pairing_params, limit])
    totals = {key: _figures(head, key) for key in keys}
    return Checkins(
        totals=totals,
        mentors=_ranked_mentors(scope, rows, rank),
        listed=int(head["mentees"] or 0),
    )


def _contact_rows(scope: Scope, periods: dict[str, Period]) -> QuerySet:
    """One row per real contact in any of the periods: when, on time, whose mentor."""
    earliest = min(p.start_at for p in periods.values())
    latest = max(p.end_at for p in periods.values())
    return contacts_with_due(
        scope.contacts().filter(happened_at__gte=earliest, happened_at__lt=latest)
    ).values("happened_at", "on_time", mentor=F("pairing__mentor_id"))


def _pairing_rows(scope: Scope, periods: dict[str, Period], now: dt.datetime) -> QuerySet:
    """One row per active pairing in scope: its mentor, and 1 for each period it is missed in."""
    return (
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


def _grouped_sql(
    periods: dict[str, Period], rank: str, contact_sql: str, pairing_sql: str
) -> tuple[str, list]:
    """The statement and its window parameters: a first row (kind 0) with the scope's totals
    and `mentees` = how many mentors are ranked, then one row (kind 1) per listed mentor,
    columns named made_<key>, on_<key>, missed_<key> for each period."""
    contact_cols, pairing_cols, sums, picks, params = [], [], [], [], []
    for key, period in periods.items():
        window = "c.happened_at >= %s AND c.happened_at < %s"
        contact_cols += [
            f"CASE WHEN {window} THEN 1 ELSE 0 END AS made_{key}",
            f"CASE WHEN {window} AND c.on_time THEN 1 ELSE 0 END AS on_{key}",
            f"0 AS missed_{key}",
        ]
        bounds = [period.start_at, period.end_at]
        if connection.vendor == "sqlite":
            # Django stores SQLite datetimes as text in this shape; compare like with like.
            bounds = [_sqlite_datetime(b) for b in bounds]
        params += bounds * 2
        pairing_cols += ["0", "0", f"p.missed_{key}"]
        sums += [f"SUM({c}_{key}) AS {c}_{key}" for c in ("made", "on", "missed")]
        picks += [f"{c}_{key}" for c in ("made", "on", "missed")]
    due = f"(made_{rank} + missed_{rank})"
    sql = f"""
        WITH g AS (
            SELECT mentor_id, SUM(active) AS mentees, {", ".join(sums)}
            FROM (
                SELECT c.mentor AS mentor_id, 0 AS active, {", ".join(contact_cols)}
                FROM ({contact_sql}) c
                UNION ALL
                SELECT p.mentor_id, 1, {", ".join(pairing_cols)}
                FROM ({pairing_sql}) p
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
               {", ".join(f"SUM({c}) AS {c}" for c in picks)}, 0 AS position
        FROM g
        UNION ALL
        SELECT 1, mentor_id, mentees, {", ".join(picks)}, position
        FROM ranked WHERE position <= %s
        ORDER BY kind, position
    """
    return sql, params


def _fetch(sql: str, params: list) -> list[dict]:
    """The statement's rows as dicts by column name."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _figures(row: dict, key: str) -> dict:
    """{made, on_time, missed, share} of period `key` in one grouped row."""
    made, on_time, missed = (int(row[f"{c}_{key}"] or 0) for c in ("made", "on", "missed"))
    return {
        "made": made,
        "on_time": on_time,
        "missed": missed,
        "share": share(on_time, made + missed),
    }


def _ranked_mentors(scope: Scope, rows: list[dict], rank: str) -> list[MentorConsistency]:
    """The listed mentors, in rank order, with their latest contact with an active mentee."""
    if not rows:
        return []
    last_contact = Max(
        "pairings__last_contact_at",
        filter=Q(pairings__in=scope.pairings().filter(status=Pairing.Status.ACTIVE)),
    )
    found = {
        m.pk: m
        for m in Mentor.objects.filter(pk__in=[row["mentor_id"] for row in rows])
        .select_related("user")
        .annotate(last=last_contact)
    }
    mentors = []
    for row in rows:
        figures = _figures(row, rank)
        mentor = found[row["mentor_id"]]
        mentors.append(
            MentorConsistency(
                mentor=mentor,
                mentees=int(row["mentees"]),
                made=figures["made"],
                on_time=figures["on_time"],
                missed=figures["missed"],
                last_contact_at=mentor.last,
            )
        )
    return mentors


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
    on_time = contacts_with_due(contacts).aggregate(
        **{
            method: Count("id", filter=Q(method=method) & checkins.on_time_q())
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
