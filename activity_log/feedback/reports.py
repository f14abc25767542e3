"""Outcome figures for a period and the houses in scope: feedback response rate and averages by
house, recovery-capital change, goals achieved. Small cells are suppressed as in the funder
export (counts 1-4 as "<5"; averages over fewer than 5 answers or residents not shown)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Avg, Count, Max, Min, OuterRef, Q, Subquery

from activity_log.feedback.models import FeedbackRequest, FeedbackResponse, RecoveryAssessment
from activity_log.reports import figures_cache
from activity_log.reports.scope import Period, Scope, share
from activity_log.reports.views import SMALL, suppressed
from residents.models import RecoveryGoal


@dataclass(frozen=True)
class HouseAverages:
    house: str
    answers: str  # suppressed count
    shows_up: float | None
    listens: float | None
    helps_goals: float | None


@dataclass(frozen=True)
class Outcomes:
    links_printed: str
    answered: str
    response_rate: float | None
    by_house: list[HouseAverages]
    residents_with_two_checks: str
    average_change: float | None
    improved_share: float | None
    goals_achieved: str


def build(scope: Scope, period: Period) -> Outcomes:
    residents = scope.residents()
    requests = FeedbackRequest.objects.filter(
        resident__in=residents, issued_at__gte=period.start_at, issued_at__lt=period.end_at
    ).aggregate(printed=Count("pk"), answered=Count("pk", filter=Q(used_at__isnull=False)))
    rows = (
        FeedbackResponse.objects.filter(
            resident__in=residents,
            submitted_at__gte=period.start_at,
            submitted_at__lt=period.end_at,
        )
        .values("resident__house__name")
        .annotate(n=Count("pk"), s=Avg("shows_up"), li=Avg("listens"), h=Avg("helps_goals"))
        .order_by("resident__house__name")
    )
    by_house = [
        HouseAverages(
            house=row["resident__house__name"],
            answers=suppressed(row["n"]),
            # Averages over fewer than five answers could point at one resident.
            shows_up=row["s"] if row["n"] >= SMALL else None,
            listens=row["li"] if row["n"] >= SMALL else None,
            helps_goals=row["h"] if row["n"] >= SMALL else None,
        )
        for row in rows
    ]
    changes = _barc_changes(residents, period)
    improved = sum(1 for change in changes if change > 0)
    enough = len(changes) >= SMALL
    achieved = RecoveryGoal.objects.filter(
        resident__in=residents,
        status=RecoveryGoal.Status.ACHIEVED,
        closed_on__gte=period.start,
        closed_on__lte=period.end,
    ).count()
    return Outcomes(
        links_printed=suppressed(requests["printed"]),
        answered=suppressed(requests["answered"]),
        response_rate=_safe_share(requests["answered"], requests["printed"]),
        by_house=by_house,
        residents_with_two_checks=suppressed(len(changes)),
        average_change=sum(changes) / len(changes) if enough else None,
        improved_share=_safe_share(improved, len(changes)),
        goals_achieved=suppressed(achieved),
    )


def cached_build(scope: Scope, period: Period) -> Outcomes:
    """`build` from the reports figures cache (activity_log/reports/figures_cache.py): kept per
    user scope and period until a write to the houses in scope; feedback links, answers and
    recovery checks raise the data version too (migration activity_log 0015)."""
    return figures_cache.cached_figures(
        "outcome-figures", scope, period, lambda: build(scope, period)
    )


def _safe_share(part: int, whole: int) -> float | None:
    """A share, unless the whole or either side of it is a small count (the funder export's
    rule in activity_log/reports/views.py `_share`): then None."""
    if whole < SMALL or 0 < part < SMALL or 0 < whole - part < SMALL:
        return None
    return share(part, whole)


def _barc_changes(residents, period: Period) -> list[int]:
    """Latest minus first total, for residents with two or more checks whose latest check falls
    in the period (one query)."""
    per_resident = RecoveryAssessment.objects.filter(resident_id=OuterRef("resident_id"))
    first = per_resident.order_by("taken_at", "id").values("total")[:1]
    latest = per_resident.order_by("-taken_at", "-id").values("total")[:1]
    rows = (
        RecoveryAssessment.objects.filter(resident__in=residents)
        .values("resident_id")
        .annotate(n=Count("pk"), last_at=Max("taken_at"), first_at=Min("taken_at"))
        .filter(n__gte=2, last_at__gte=period.start_at, last_at__lt=period.end_at)
        .annotate(first_total=Subquery(first), latest_total=Subquery(latest))
        .values_list("first_total", "latest_total")
    )
    return [latest_total - first_total for first_total, latest_total in rows]
