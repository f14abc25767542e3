"""Reads shared by the matching pages: the waiting queue and pairing lists."""

from __future__ import annotations

from django.db.models import (
    Case,
    DateField,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from matching.models import Pairing
from mentors.models import Mentor
from residents.models import Resident


def waiting_queue(user) -> QuerySet[Resident]:
    """Active residents in the user's houses who need a mentor, the most urgent first.

    A resident waits when they have no open pairing, or when their pairing is paused because the
    mentor became unavailable: those come first, marked (`mentor_unavailable_since`). The rest are
    ordered by `waiting_since` = the later of the move-in date and the end of their last pairing,
    longest waiting first.
    """
    mine = Pairing.objects.filter(resident_id=OuterRef("pk")).order_by()
    unavailable = mine.filter(
        status=Pairing.Status.PAUSED, pause_reason=Pairing.PauseReason.MENTOR_UNAVAILABLE
    )
    has_mentor = mine.filter(status__in=Pairing.OPEN_STATUSES).exclude(
        status=Pairing.Status.PAUSED, pause_reason=Pairing.PauseReason.MENTOR_UNAVAILABLE
    )
    last_ended = (
        mine.filter(status=Pairing.Status.ENDED).order_by("-ended_on").values("ended_on")[:1]
    )
    return (
        Resident.objects.visible_to(user)
        .active()
        # alias(), not annotate(): in the SELECT list PostgreSQL hashes every open pairing to
        # answer it (~30 ms at --scale large); in WHERE alone it is probed per resident.
        .alias(has_mentor=Exists(has_mentor))
        .annotate(
            mentor_unavailable_since=Subquery(
                unavailable.values("paused_on")[:1], output_field=DateField()
            ),
            unavailable_pairing_id=Subquery(unavailable.values("pk")[:1]),
            last_ended_on=Subquery(last_ended, output_field=DateField()),
        )
        .filter(has_mentor=False)
        .annotate(
            waiting_since=Coalesce(
                "mentor_unavailable_since",
                Greatest("move_in_date", Coalesce("last_ended_on", "move_in_date")),
                output_field=DateField(),
            ),
            marked_first=Case(
                When(mentor_unavailable_since__isnull=False, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .select_related("house")
        .order_by("marked_first", "waiting_since", "pk")
    )


def resident_pairings(resident: Resident) -> list[Pairing]:
    """Every pairing of the resident, the open one first, then the newest."""
    pairings = list(Pairing.objects.filter(resident=resident).select_related("mentor__user"))
    return sorted(pairings, key=lambda p: p.status == Pairing.Status.ENDED)


def mentor_pairings(mentor: Mentor, user) -> QuerySet[Pairing]:
    """The mentor's pairings the user may see (a manager: residents of their houses)."""
    return (
        Pairing.objects.visible_to(user)
        .filter(mentor=mentor)
        .select_related("resident__house")
        .order_by(
            Case(
                When(status=Pairing.Status.ACTIVE, then=Value(0)),
                When(status=Pairing.Status.PAUSED, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            "-started_on",
            "-pk",
        )
    )


def active_mentee_count(mentor: Mentor) -> int:
    return Pairing.objects.filter(mentor=mentor, status=Pairing.Status.ACTIVE).count()
