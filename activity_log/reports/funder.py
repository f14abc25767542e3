"""The reports page and funder export: one Report per scope and period (docs/dashboard.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from activity_log.models import ContactLog
from activity_log.reports import rollup
from activity_log.reports.health import (
    _overlapping_pairing,
    _pairing_in_period,
    _resident_in_period,
)
from activity_log.reports.on_time import _missed_filter, _on_time_result
from activity_log.reports.scope import NO_ANSWER, Period, Scope, share
from matching.models import Pairing
from residents.models import RecoveryGoal, Resident

EXIT_STATUSES = (
    Resident.Status.GRADUATED,
    Resident.Status.MOVED_OUT,
    Resident.Status.DISCHARGED,
)


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
# The bands' names above are the SQL values (English, never shown as such); what people read.
AGE_BAND_LABELS = {
    "Under 25": _("Under 25"),
    "65 and over": _("65 and over"),
    AGE_UNKNOWN: _("Not recorded"),
}


def age_band_label(band: str) -> str:
    """An age band's name in the active language ("25-34" reads the same in every language)."""
    return str(AGE_BAND_LABELS.get(band, band))


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


@dataclass(frozen=True)
class StableFigures:
    """The figures that change only with writes (not with the clock), as plain numbers and
    names in no language: what activity_log/reports/figures_cache.py keeps. Missed check-ins
    (they change as time passes) and urgent concerns stay live."""

    residents_served: int
    residents_mentored: int
    age_bands: dict[str, int]
    # {method: (contacts, minutes, on_time)} and [(topic name as stored, contacts)] most first.
    rolled: dict[str, tuple[int, int, int]]
    by_topic: list[tuple[str, int]]
    training_hours: Decimal
    # {(status, had a mentor): (residents, average stay as the database gave it)}
    exits: dict[tuple[str, bool], tuple[int, object]]
    goals: dict[str, int]


def stable_figures(scope: Scope, period: Period) -> StableFigures:
    """Six queries whatever the data size."""
    served = scope.residents().filter(_resident_in_period(period))
    residents = _residents_served(served, period, every_house=scope._house_ids() is None)
    # Contacts by method and topic, minutes and on-time check-ins come from the roll-up
    # (activity_log/reports/rollup.py), not from the period's contacts: 1.1-1.7 s -> a few ms
    # at scale.
    rolled, by_topic = rollup.rolled_up_contacts(scope.rollup_house_ids(), period.start, period.end)
    return StableFigures(
        residents_served=residents["served"],
        residents_mentored=residents["mentored"],
        age_bands=residents["bands"],
        rolled=rolled,
        by_topic=by_topic,
        training_hours=_training_hours(scope, period),
        exits=_exit_rows(scope, period),
        goals=_goals_rows(scope, period),
    )


def build_report(
    scope: Scope,
    period: Period,
    now: dt.datetime | None = None,
    stable: StableFigures | None = None,
) -> Report:
    """Everything the reports page, its CSV and the funder export show, one helper per figure.
    Fixed query count. `stable`: those figures already computed (figures_cache), else computed
    here; labels are put on in the active language either way."""
    now = now or timezone.now()
    if stable is None:
        stable = stable_figures(scope, period)
    rolled = stable.rolled
    urgent = _urgent_concerns(scope, period)
    goals = _goals_achieved(stable.goals)
    return Report(
        period=period,
        residents_served=stable.residents_served,
        residents_mentored=stable.residents_mentored,
        contacts_total=sum(n for n, _, _ in rolled.values()),
        by_method=_by_method(rolled),
        # Topic names are stored in English and translated through the catalogue (lookup_names).
        by_topic=[(gettext(name), n) for name, n in stable.by_topic],
        contact_hours=(Decimal(sum(m for _, m, _ in rolled.values())) / 60).quantize(
            Decimal("0.1")
        ),
        training_hours=stable.training_hours,
        on_time=_on_time(scope, period, rolled, now),
        urgent_raised=urgent["raised"],
        urgent_acknowledged=urgent["acknowledged"],
        median_acknowledge=urgent["median"],
        exits=_exit_groups(stable.exits),
        goals_achieved=sum(n for _, n in goals),
        goals_by_category=goals,
        age_bands=[(label, stable.age_bands.get(label, 0)) for label, _, _ in AGE_BANDS]
        + [(AGE_UNKNOWN, stable.age_bands.get(AGE_UNKNOWN, 0))],
    )


def _residents_served(served: QuerySet[Resident], period: Period, every_house: bool) -> dict:
    """{served, mentored, bands}: residents living in a house in the period, those with a
    mentor, and {age band: residents}. One query, grouped by age band.

    Over every house (~7,000 residents served at --scale large), "with a mentor" reads the
    period's pairings once into a hash (`IN`, 8.7 -> 4.2 ms) instead of an `EXISTS` probe per
    resident; over a few houses the probes are cheaper than reading every pairing."""
    if every_house:
        overlapping = Q(
            pk__in=Pairing.objects.filter(_pairing_in_period(period)).values("resident_id")
        )
    else:
        overlapping = Q(_overlapping_pairing(period))
    rows = (
        served.annotate(band=_age_band_case(period.end.year))
        .order_by()
        .values("band")
        .annotate(n=Count("id"), mentored=Count("id", filter=overlapping))
        .values_list("band", "n", "mentored")
    )
    bands, mentored = {}, 0
    for band, n, m in rows:
        bands[band] = n
        mentored += m
    return {"served": sum(bands.values()), "mentored": mentored, "bands": bands}


def _by_method(rolled: dict[str, tuple[int, int, int]]) -> list[tuple[str, int]]:
    """(label, contacts) for every method, in the choices' order; labels in the request's
    language, as plain strings (the CSV and the charts slice them)."""
    labels = dict(ContactLog.Method.choices)
    return [(str(label), rolled.get(value, (0, 0, 0))[0]) for value, label in labels.items()]


def _training_hours(scope: Scope, period: Period) -> Decimal:
    training = (
        scope.training_records()
        .filter(completed_on__gte=period.start, completed_on__lte=period.end)
        .aggregate(hours=Coalesce(Sum("hours"), Value(Decimal("0"))))
    )
    return Decimal(training["hours"]).quantize(Decimal("0.1"))


def _on_time(
    scope: Scope, period: Period, rolled: dict[str, tuple[int, int, int]], now: dt.datetime
) -> dict:
    """{made, on_time, missed, share}: real contacts and on-time ones from the roll-up, missed
    check-ins (pairings still overdue at the end) from the pairings, by the check-in rule."""
    made = {
        "range_made": sum(n for m, (n, _, _) in rolled.items() if m != NO_ANSWER),
        "range_on_time": sum(ok for m, (_, _, ok) in rolled.items() if m != NO_ANSWER),
    }
    # As a WHERE (the partial index of overdue active pairings), not a FILTER over every pairing.
    missed = (
        scope.pairings().filter(_missed_filter(period, now)).aggregate(range_missed=Count("id"))
    )
    return _on_time_result(made, missed, {"range": period})["range"]


def _urgent_concerns(scope: Scope, period: Period) -> dict:
    """{raised, acknowledged, median}: urgent concerns in the period and how fast they were seen."""
    in_period = Q(happened_at__gte=period.start_at, happened_at__lt=period.end_at)
    urgent = scope.contacts().filter(in_period, concern_level=ContactLog.Concern.URGENT)
    figures = urgent.aggregate(
        raised=Count("id"), acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False))
    )
    figures["median"] = _median_acknowledge(urgent, figures["acknowledged"])
    return figures


def _exit_rows(scope: Scope, period: Period) -> dict[tuple[str, bool], tuple[int, object]]:
    """Residents who left in the period, by exit status and whether they ever had a mentor:
    {(status, had a mentor): (residents, average stay)}."""
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
    return {(r["status"], bool(r["had_mentor"])): (r["n"], r["average_stay"]) for r in exit_rows}


def _exit_groups(found: dict[tuple[str, bool], tuple[int, object]]) -> list[ExitGroup]:
    labels = dict(Resident.Status.choices)
    exits = []
    for status in EXIT_STATUSES:
        for mentored in (True, False):
            n, average_stay = found.get((status, mentored), (0, None))
            exits.append(
                ExitGroup(
                    status=status,
                    label=str(labels[status]),
                    mentored=mentored,
                    count=n,
                    average_stay_days=_days(average_stay),
                )
            )
    return exits


def _goals_rows(scope: Scope, period: Period) -> dict[str, int]:
    """{category: goals achieved in the period}."""
    goals = RecoveryGoal.objects.filter(
        status=RecoveryGoal.Status.ACHIEVED, closed_on__gte=period.start, closed_on__lte=period.end
    )
    if scope.rollup_house_ids() is not None:
        # Not an admin over every house. For one, every goal's resident is in scope: no join
        # on 10,000 residents (2.7 -> 0.8 ms at --scale large).
        goals = goals.filter(resident__in=scope.residents())
    return dict(
        goals.order_by().values("category").annotate(n=Count("id")).values_list("category", "n")
    )


def _goals_achieved(goals: dict[str, int]) -> list[tuple[str, int]]:
    """(category label, goals achieved in the period) for every category."""
    categories = dict(RecoveryGoal.Category.choices)
    return [(str(label), goals.get(value, 0)) for value, label in categories.items()]


def _days(value) -> float | None:
    """Average stay from the database: a timedelta (PostgreSQL, SQLite) or microseconds."""
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return round(value.total_seconds() / 86400, 1)
    return round(float(value) / 86_400_000_000, 1)
