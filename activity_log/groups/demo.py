"""Demo group sessions for `seed_demo` (runs after activity_log.demo).

Small: per demo house a weekly house meeting and a weekly skills workshop, started six weeks ago
with attendance taken for the past ones; a weekly program-wide mentor circle facilitated by
mentor@example.com; one Maple House meeting left without attendance (on the dashboard). Today's
Maple workshop is facilitated by mentor@example.com (their "Today"). Large: a year of weekly
house meetings for every house, in bulk.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F

from activity_log.groups import services
from activity_log.groups.models import Attendance, GroupSession, Kind
from mentoring_site.demo import DemoContext
from mentors.models import Mentor
from residents.models import House, Resident

HISTORY_WEEKS = 6


def seed(ctx: DemoContext) -> None:
    houses = list(ctx.data.get("houses") or House.objects.order_by("pk")[:3])
    admin = ctx.users.get("admin@example.com")
    if not houses or admin is None:
        ctx.log.append("groups: no demo houses, no sessions.")
        return
    if GroupSession.objects.exists():
        ctx.log.append("groups: sessions already present, left as they are.")
        return
    mentor = Mentor.objects.filter(user__email="mentor@example.com").first()
    starts_on = ctx.today - dt.timedelta(weeks=HISTORY_WEEKS)
    until = ctx.today + dt.timedelta(weeks=26)
    with transaction.atomic():
        for index, house in enumerate(houses):
            manager = house.managers.first() or admin
            common = {"creator": manager, "house": house, "starts_on": starts_on, "until": until}
            # Each house meets on its own weekday; the workshop falls on today's.
            services.group_series_create(
                **{**common, "starts_on": starts_on - dt.timedelta(days=1 + index)},
                kind=Kind.HOUSE_MEETING,
                title="House meeting",
                start_time=dt.time(19, 0),
                place="Living room",
                facilitator_users=[manager],
                today=ctx.today,
            )
            services.group_series_create(
                **common,
                kind=Kind.WORKSHOP,
                title="Budgeting and bills" if index else "Job search skills",
                start_time=dt.time(18, 0),
                place="Kitchen table",
                facilitator_mentors=[mentor] if mentor and index == 0 else [],
                facilitator_users=[] if mentor and index == 0 else [manager],
                today=ctx.today,
            )
        circle = services.group_series_create(
            creator=admin,
            house=None,
            kind=Kind.MENTOR_CIRCLE,
            title="Mentor circle",
            starts_on=starts_on - dt.timedelta(days=3),
            start_time=dt.time(12, 30),
            until=until,
            place="Program office",
            facilitator_mentors=[mentor] if mentor else [],
            today=ctx.today,
        )
        taken, waiting = _attendance_history(ctx, houses, admin)
    ctx.log.append(
        f"groups: weekly meetings and workshops for {len(houses)} houses, a mentor circle "
        f"(series {circle.pk}); attendance for {taken} sessions, {waiting} waiting."
    )
    if ctx.large:
        seed_large(ctx, admin=admin)


def _attendance_history(ctx: DemoContext, houses, admin) -> tuple[int, int]:
    """Attendance for every past session but one Maple House meeting (the dashboard's example)."""
    past = list(
        GroupSession.objects.filter(starts_at__lt=ctx.now - dt.timedelta(hours=3))
        .select_related("house")
        .order_by("starts_at")
    )
    waiting = next(
        (
            s
            for s in reversed(past)
            if s.house_id == houses[0].pk
            and s.kind == Kind.HOUSE_MEETING
            and s.ends_at < ctx.now - dt.timedelta(days=1)
        ),
        None,
    )
    residents_by_house: dict[int, list[Resident]] = {}
    for resident in Resident.objects.filter(house__in=houses, status=Resident.Status.ACTIVE):
        residents_by_house.setdefault(resident.house_id, []).append(resident)
    mentors = list(Mentor.objects.filter(status=Mentor.Status.ACTIVE).order_by("pk")[:8])
    taken = 0
    for session in past:
        if session is waiting:
            continue
        if session.kind == Kind.MENTOR_CIRCLE:
            people = {"mentors": ctx.rng.sample(mentors, k=min(len(mentors), 5))}
        else:
            here = residents_by_house.get(session.house_id, [])
            share = 0.8 if session.kind == Kind.HOUSE_MEETING else 0.4
            # One resident of Maple House never comes: they show on the dashboard.
            pool = here[:-1] if session.house_id == houses[0].pk else here
            people = {"residents": ctx.rng.sample(pool, k=int(len(pool) * share))}
        services.attendance_record(
            session=session,
            taker=session.created_by if session.house_id else admin,
            guests=ctx.rng.choice([0, 0, 0, 1, 2]),
            **people,
        )
        taken += 1
    # Taken when they happened, so they are locked like real ones.
    GroupSession.objects.filter(attendance_taken_at__isnull=False).update(
        attendance_taken_at=F("starts_at") + dt.timedelta(hours=2)
    )
    return taken, int(waiting is not None)


def seed_large(ctx: DemoContext, *, admin) -> None:
    """A year of weekly house meetings for every large-scale house, with attendance, in bulk."""
    houses = list(ctx.data.get("large_houses") or [])
    if not houses:
        return
    first = ctx.now - dt.timedelta(weeks=52)
    sessions = [
        GroupSession(
            house=house,
            kind=Kind.HOUSE_MEETING,
            title="House meeting",
            starts_at=first + dt.timedelta(weeks=week, hours=index % 5),
            duration_minutes=60,
            created_by=admin,
            attendance_taken_by=admin,
            attendance_taken_at=first + dt.timedelta(weeks=week, hours=index % 5 + 2),
            guests=week % 3,
        )
        for index, house in enumerate(houses)
        for week in range(52)
    ]
    with transaction.atomic():
        created = GroupSession.objects.bulk_create(sessions, batch_size=2000)
        ids: dict[int, list[int]] = {}
        for house_id, pk in (
            Resident.objects.filter(house__in=houses, status=Resident.Status.ACTIVE)
            .order_by("house_id", "pk")
            .values_list("house_id", "pk")
        ):
            if len(ids.setdefault(house_id, [])) < 12:
                ids[house_id].append(pk)
        rows = []
        for session in created:
            pool = ids.get(session.house_id, [])
            rows += [
                Attendance(session_id=session.pk, resident_id=resident_id)
                for resident_id in ctx.rng.sample(pool, k=min(8, len(pool)))
            ]
        Attendance.objects.bulk_create(rows, batch_size=5000)
    ctx.log.append(
        f"groups: {len(created)} house meetings and {len(rows)} attendance rows (large)."
    )
