"""Scope (whose data) and Period (which dates) for the dashboard and the reports page.

Scope always starts from `visible_to(user)` and is narrowed by the optional house filter.
Dates are in the program time zone (settings.TIME_ZONE), for every house: a period
"1 to 31 March" is [1 March 00:00, 1 April 00:00) program time. See docs/dashboard.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from activity_log.models import ContactLog
from matching.models import Pairing
from mentoring_site.roles import Role, role_of
from mentors.models import Mentor, TrainingRecord
from residents.models import House, Resident

NO_ANSWER = ContactLog.Method.NO_ANSWER


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

    def version_houses(self) -> tuple[int, ...] | None:
        """The houses whose writes can change what this scope shows (None: every house): the
        keys of its data version in the reports figures cache and the page cache. A manager
        with no house depends on program-wide data alone (an empty tuple, not every house)."""
        if self.house_id:
            return (self.house_id,)
        if self.all_houses:
            return None
        return self.house_ids

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

    # --- The dashboard's lists: staff rows by house id ---

    def by_house(self, qs: QuerySet, house_path: str) -> QuerySet:
        """`qs` narrowed to the houses in scope through `house_path` (e.g. "resident__house_id"),
        with no join through house managers: the rows `visible_to` gives staff, narrowed.

        Staff only, as `rollup_house_ids`: what an admin or a manager may see is whole houses
        (a manager's `house_ids` are the houses `House.objects.visible_to` gave them, exactly
        those whose residents, pairings, contacts and feedback `visible_to` allows; an admin
        sees every house). A mentor's scope gets nothing here. The managers join cost each
        dashboard list 0.5-2 ms of planning and ORM work (a test compares both forms).
        """
        ids = self.rollup_house_ids()
        return qs if ids is None else qs.filter(**{f"{house_path}__in": ids})

    def house_q(self, house_path: str) -> Q:
        """`by_house` as a condition, to OR with others (every house: no condition)."""
        ids = self.rollup_house_ids()
        return Q() if ids is None else Q(**{f"{house_path}__in": ids})

    def staff_residents(self) -> QuerySet[Resident]:
        return self.by_house(Resident.objects.all(), "house_id")

    def staff_pairings(self) -> QuerySet[Pairing]:
        return self.by_house(Pairing.objects.all(), "resident__house_id")

    def staff_contacts(self) -> QuerySet[ContactLog]:
        return self.by_house(ContactLog.objects.all(), "pairing__resident__house_id")

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
