"""Reads shared by the mentor pages: the roster, and where a mentor stands on each course."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext, pgettext

from mentoring_site.shortcuts import visible_or_404
from mentors.models import Clearance, Mentor, TrainingCourse, TrainingRecord, compute_clearance
from residents.models import House, Language, RecoveryPathway

EXPIRING_SOON_DAYS = 60


@dataclass(frozen=True)
class RosterFilters:
    cleared: bool | None = None
    status: str = ""
    house: House | None = None
    language: Language | None = None
    pathway: RecoveryPathway | None = None
    search: str = ""


def mentor_roster(*, user, filters: RosterFilters, today: dt.date) -> QuerySet[Mentor]:
    """Mentors the user may see, filtered, with `is_cleared_db` and `active_mentees` annotated
    and everything a roster row shows prefetched (a fixed number of queries per page)."""
    qs = (
        Mentor.objects.visible_to(user)
        .select_related("user")
        .with_clearance(today)
        .with_active_mentee_count()
        .prefetch_related(
            "languages",
            "houses",
            Prefetch("training_records", queryset=TrainingRecord.objects.order_by()),
        )
    )
    if filters.cleared is not None:
        qs = qs.filter(is_cleared_db=filters.cleared)
    if filters.status:
        qs = qs.filter(status=filters.status)
    # Subqueries rather than joins on the many-to-many tables, so no row appears twice.
    if filters.house is not None:
        serving = Mentor.houses.through.objects.filter(house=filters.house).values("mentor_id")
        qs = qs.filter(Q(serves_all_houses=True) | Q(pk__in=serving))
    if filters.language is not None:
        speaking = Mentor.languages.through.objects.filter(language=filters.language)
        qs = qs.filter(pk__in=speaking.values("mentor_id"))
    if filters.pathway is not None:
        following = Mentor.pathways.through.objects.filter(recoverypathway=filters.pathway)
        qs = qs.filter(pk__in=following.values("mentor_id"))
    for term in filters.search.split()[:5]:
        qs = qs.filter(
            Q(user__first_name__icontains=term)
            | Q(user__last_name__icontains=term)
            | Q(user__email__icontains=term)
        )
    return qs.order_by("user__first_name", "user__last_name", "id")


@dataclass(frozen=True)
class RosterRow:
    """One roster line; lists are read once from the prefetch cache, not per template lookup."""

    mentor: Mentor
    clearance: Clearance

    @property
    def languages(self) -> str:
        return ", ".join(str(x) for x in self.mentor.languages.all())

    @property
    def houses(self) -> str:
        if self.mentor.serves_all_houses:
            return gettext("All houses")
        return ", ".join(str(x) for x in self.mentor.houses.all()) or gettext("No house yet")


def required_courses() -> list[TrainingCourse]:
    return list(TrainingCourse.objects.filter(required=True, is_active=True))


def clearances_for(mentors: list[Mentor], *, today: dt.date) -> dict[int, Clearance]:
    """Why each mentor is or is not cleared, from their prefetched training records and one
    query of required courses: never a query per mentor."""
    courses = required_courses()
    return {
        m.pk: compute_clearance(
            m, records=m.training_records.all(), required_courses=courses, today=today
        )
        for m in mentors
    }


@dataclass(frozen=True)
class CourseStanding:
    """Where one mentor stands on one course today."""

    course: TrainingCourse
    record: TrainingRecord | None  # the record that counts now (or the latest expired one)
    state: str  # "current", "expiring", "expired", "missing" (required), "optional" (not taken)

    @property
    def expires_on(self) -> dt.date | None:
        return self.record.expires_on if self.record else None

    @property
    def label(self) -> str:
        return {
            "current": pgettext("training", "Done"),
            "expiring": gettext("Expires soon"),
            "expired": gettext("Expired"),
            "missing": gettext("Missing"),
            "optional": gettext("Optional, not taken"),
        }[self.state]

    @property
    def badge(self) -> str:
        return {
            "current": "success",
            "expiring": "warning",
            "expired": "danger",
            "missing": "danger",
            "optional": "secondary",
        }[self.state]


def course_standings(
    *,
    courses: list[TrainingCourse],
    records: list[TrainingRecord],
    today: dt.date,
    soon_days: int = EXPIRING_SOON_DAYS,
) -> list[CourseStanding]:
    soon = today + dt.timedelta(days=soon_days)
    standings = []
    for course in courses:
        mine = [r for r in records if r.course_id == course.pk and r.completed_on <= today]
        valid = [r for r in mine if r.expires_on is None or r.expires_on >= today]
        if valid:
            # The record that lasts longest counts (a never-expiring one beats any date).
            best = max(valid, key=lambda r: (r.expires_on is None, r.expires_on or today))
            state = "expiring" if best.expires_on and best.expires_on <= soon else "current"
            standings.append(CourseStanding(course, best, state))
        elif mine:
            latest = max(mine, key=lambda r: r.expires_on)
            standings.append(CourseStanding(course, latest, "expired"))
        else:
            standings.append(
                CourseStanding(course, None, "missing" if course.required else "optional")
            )
    return standings


@dataclass(frozen=True)
class TrainingOverview:
    clearance: Clearance
    standings: list[CourseStanding]
    records: list[TrainingRecord]
    hours: Decimal

    @property
    def expiring_soon(self) -> list[CourseStanding]:
        return [s for s in self.standings if s.state == "expiring"]

    @property
    def missing(self) -> list[CourseStanding]:
        return [s for s in self.standings if s.state in ("missing", "expired")]

    @property
    def done(self) -> list[CourseStanding]:
        return [s for s in self.standings if s.state in ("current", "expiring")]


def mentor_training_overview(*, mentor: Mentor, today: dt.date) -> TrainingOverview:
    """Everything the mentor page and "My training" show about training, in two queries."""
    courses = list(TrainingCourse.objects.filter(is_active=True))
    records = list(
        mentor.training_records.select_related("course", "recorded_by").order_by(
            "-completed_on", "-id"
        )
    )
    required = [c for c in courses if c.required]
    return TrainingOverview(
        clearance=compute_clearance(
            mentor, records=records, required_courses=required, today=today
        ),
        standings=course_standings(courses=courses, records=records, today=today),
        records=records,
        hours=sum((r.hours for r in records if r.completed_on <= today), Decimal("0")),
    )


def session_attendee_choices(
    *, user, house: House | None = None, status: str = ""
) -> QuerySet[Mentor]:
    """Mentors whose training the user may record for a session (a manager: those serving one
    of their houses): everyone but the retired, optionally only those serving a house or with
    one status."""
    qs = (
        Mentor.objects.changeable_by(user)
        .exclude(status=Mentor.Status.RETIRED)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "id")
    )
    if house is not None:
        serving = Mentor.houses.through.objects.filter(house=house).values("mentor_id")
        qs = qs.filter(Q(serves_all_houses=True) | Q(pk__in=serving))
    if status:
        qs = qs.filter(status=status)
    return qs


def session_attendees_shown(
    qs: QuerySet[Mentor], *, limit: int, ticked: list[str]
) -> tuple[list[Mentor], int]:
    """At most `limit` mentors for the checkbox list (a page must stay light with thousands of
    mentors), plus any already ticked; and how many there are in all."""
    shown = list(qs[:limit])
    total = len(shown) if len(shown) < limit else qs.count()
    shown_ids = {m.pk for m in shown}
    extra_ids = [int(i) for i in ticked if i.isdigit() and int(i) not in shown_ids]
    if extra_ids:
        shown += list(qs.filter(pk__in=extra_ids))
    return shown, total


def mentor_for(user, pk) -> Mentor:
    """The mentor `pk`, with their user, if `user` may see them; 404 otherwise (ids leak
    nothing)."""
    return visible_or_404(Mentor.objects.select_related("user"), user, pk)
