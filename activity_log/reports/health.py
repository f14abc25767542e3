"""Program health for the dashboard: residents served and mentored, weekly contacts (docs/dashboard.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from activity_log.reports.on_time import MentorConsistency, checkins_by_mentor
from activity_log.reports.scope import NO_ANSWER, Period, Scope, share
from matching.models import Pairing

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
