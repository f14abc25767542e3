"""Group session figures for the reports page and its exports (activity_log/reports/views.py).

Held = not cancelled and attendance taken, starting within the period. Small-cell suppression is
the caller's: it passes the same `count` and `share` formatters it uses for every other figure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from activity_log.groups.models import Attendance, GroupSession, Kind
from residents.models import Resident


@dataclass(frozen=True)
class GroupFigures:
    held_by_kind: list[tuple[str, int]]
    resident_attendances: int
    mentor_attendances: int
    unique_residents: int
    seats_filled: int  # residents present at house meetings
    seats_offered: int  # residents living in the house at each house meeting
    facilitation_minutes: int  # by mentors, once per mentor per session

    @property
    def sessions_held(self) -> int:
        return sum(n for _, n in self.held_by_kind)

    @property
    def facilitation_hours(self) -> Decimal:
        return (Decimal(self.facilitation_minutes) / 60).quantize(Decimal("0.1"))

    @property
    def attendance_rate(self) -> float | None:
        return self.seats_filled / self.seats_offered if self.seats_offered else None

    def rows(self, count: Callable[[int], str], share: Callable[[int, int], str]) -> list[list]:
        """CSV rows in the active language (the caller's request)."""
        groups = _("group sessions")
        rows = [[groups, _("sessions held"), count(self.sessions_held)]]
        rows += [
            [_("group sessions held by kind"), str(label), count(n)]
            for label, n in self.held_by_kind
        ]
        rows += [
            [groups, _("resident attendances"), count(self.resident_attendances)],
            [groups, _("mentor circle attendances"), count(self.mentor_attendances)],
            [groups, _("unique residents attending"), count(self.unique_residents)],
            [
                groups,
                _("house meeting attendance rate"),
                share(self.seats_filled, self.seats_offered),
            ],
            [groups, _("facilitation hours (mentors)"), str(self.facilitation_hours)],
        ]
        return rows


def group_figures(scope, period) -> GroupFigures:
    """One query whatever the data size. `scope` and `period` are activity_log.reports.scope's."""
    sessions = GroupSession.objects.visible_to(scope.user).filter(
        status=GroupSession.Status.SCHEDULED,
        attendance_taken_at__isnull=False,
        starts_at__gte=period.start_at,
        starts_at__lt=period.end_at,
    )
    house_ids = scope._house_ids()
    if house_ids:
        sessions = sessions.filter(house_id__in=house_ids)
    # Seats offered: each house meeting's residents living in the house when it started, as one
    # join of meetings and residents (uncorrelated, computed once), not a count per meeting.
    meetings = sessions.filter(kind=Kind.HOUSE_MEETING, house__isnull=False)
    seats = (
        Resident.objects.filter(
            # One filter() call: the three conditions are on the same meeting.
            Q(house__group_sessions__in=meetings.values("pk")),
            Q(move_in_date__lte=F("house__group_sessions__starts_at")),
            Q(exit_date__isnull=True) | Q(exit_date__gt=F("house__group_sessions__starts_at")),
        )
        .order_by()
        .annotate(all=Value(1))
        .values("all")
        .annotate(n=Count("*"))
        .values("n")
    )
    facilitators = (
        GroupSession.facilitator_mentors.through.objects.filter(groupsession_id=OuterRef("pk"))
        .order_by()
        .values("groupsession_id")
        .annotate(n=Count("pk"))
        .values("n")
    )

    def per_session(**filters) -> Coalesce:
        rows = (
            Attendance.objects.filter(session_id=OuterRef("pk"), **filters)
            .order_by()
            .values("session_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

    # Uncorrelated: computed once, carried through MAX so that all figures come in one query.
    unique_count = (
        Attendance.objects.filter(session__in=sessions.values("pk"), resident__isnull=False)
        .order_by()
        .annotate(all=Value(1))
        .values("all")
        .annotate(n=Count("resident_id", distinct=True))
        .values("n")
    )
    meeting = Q(kind=Kind.HOUSE_MEETING, house__isnull=False)
    figures = (
        sessions.annotate(
            facilitators=Coalesce(Subquery(facilitators, output_field=IntegerField()), 0),
            residents_present=per_session(resident__isnull=False),
            mentors_present=per_session(mentor__isnull=False),
        )
        .order_by()
        .aggregate(
            # Aggregate names differ from the annotations': a clash drops the annotation.
            seats_offered=Max(Coalesce(Subquery(seats, output_field=IntegerField()), 0)),
            filled=Sum("residents_present", filter=meeting),
            residents=Sum("residents_present"),
            mentors=Sum("mentors_present", filter=Q(kind=Kind.MENTOR_CIRCLE)),
            unique=Max(Coalesce(Subquery(unique_count, output_field=IntegerField()), 0)),
            facilitation_minutes=Sum(F("duration_minutes") * F("facilitators")),
            **{f"kind_{value}": Count("pk", filter=Q(kind=value)) for value in Kind.values},
        )
    )
    return GroupFigures(
        held_by_kind=[(label, figures[f"kind_{value}"]) for value, label in Kind.choices],
        resident_attendances=figures["residents"] or 0,
        mentor_attendances=figures["mentors"] or 0,
        unique_residents=figures["unique"] or 0,
        seats_filled=figures["filled"] or 0,
        seats_offered=figures["seats_offered"] or 0,
        facilitation_minutes=figures["facilitation_minutes"] or 0,
    )
