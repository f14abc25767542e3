"""Demo pairings for `seed_demo` (see mentoring_site/demo.py).

Uses `ctx.data["residents"]` / `ctx.data["mentors"]` from the residents and mentors seeders when
present (else reads them from the database) and leaves `ctx.data["pairings"]` for activity_log.

Small demo: mentor@example.com and mentor2@example.com each have active mentees in two houses;
some pairings are paused (one because the mentor went on break: that resident tops the waiting
queue), some ended (completed, resident left, mentor unavailable, not a good fit); several active
residents are left waiting. `--scale large` pairs most active residents of the bulk houses with
cleared mentors up to capacity, and gives exited residents an ended pairing (about 10,000 rows).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction

from matching.models import Pairing
from mentoring_site.demo import DemoContext
from mentors.models import Mentor
from residents.models import House, Resident

BATCH = 2_000
EARLIER_END_REASONS = [
    Pairing.EndReason.COMPLETED,
    Pairing.EndReason.NOT_A_GOOD_FIT,
    Pairing.EndReason.MENTOR_UNAVAILABLE,
    Pairing.EndReason.OTHER,
]
P = Pairing

# mentor email, house name, how many active mentees there (in the order residents come).
ACTIVE_PLAN = [
    ("mentor@example.com", "Maple House", 2),
    ("mentor@example.com", "Cedar House", 1),
    ("mentor2@example.com", "Cedar House", 1),
    ("mentor2@example.com", "Harbor House", 1),
    ("mentor2@example.com", "Maple House", 1),
    ("alicia.moreno@example.com", "Harbor House", 2),
    ("priya.natarajan@example.com", "Maple House", 1),
    ("marcus.bell@example.com", "Harbor House", 1),
    ("nadia.haddad@example.com", "Harbor House", 1),
]


def seed(ctx: DemoContext) -> None:
    residents = _residents(ctx)
    if Pairing.objects.filter(resident__in=[r.pk for r in residents]).exists():
        ctx.log.append("Pairings: already present, left as they are.")
        return
    mentors = _mentors(ctx)
    with transaction.atomic():
        pairings = _seed_small(ctx, residents, mentors)
    ctx.data["pairings"] = pairings
    paired = {p.resident_id for p in pairings if p.status != P.Status.ENDED}
    waiting = sum(1 for r in residents if r.is_active and r.pk not in paired)
    ctx.log.append(
        f"Pairings: {sum(p.status == P.Status.ACTIVE for p in pairings)} active, "
        f"{sum(p.status == P.Status.PAUSED for p in pairings)} paused, "
        f"{sum(p.status == P.Status.ENDED for p in pairings)} ended; {waiting} residents waiting."
    )
    if ctx.large:
        made = _seed_large(ctx)
        ctx.log.append(f"Pairings (large): {made} more.")


def _residents(ctx: DemoContext) -> list[Resident]:
    residents = ctx.data.get("residents")
    if residents is None:
        houses = ctx.data.get("houses") or list(House.objects.all())
        residents = list(Resident.objects.filter(house__in=houses).select_related("house"))
    return sorted(residents, key=lambda r: r.pk)


def _mentors(ctx: DemoContext) -> dict[str, Mentor]:
    mentors = ctx.data.get("mentors")
    if mentors is None:
        mentors = list(Mentor.objects.select_related("user"))
    return {m.user.email: m for m in mentors}


def _start(ctx: DemoContext, resident: Resident, days_ago: int) -> dt.date:
    """A start date about `days_ago` back, never before the move-in nor after today."""
    earliest = resident.move_in_date + dt.timedelta(days=min(3, resident.days_in_residence()))
    return min(max(ctx.today - dt.timedelta(days=days_ago), earliest), ctx.today)


def _seed_small(ctx, residents, mentors) -> list[Pairing]:
    rng, today = ctx.rng, ctx.today
    manager_of = {h.pk: h.managers.first() for h in {r.house for r in residents}}
    active = [r for r in residents if r.is_active]
    by_house: dict[str, list[Resident]] = defaultdict(list)
    for r in active:
        by_house[r.house.name].append(r)
    cleared = set(Mentor.objects.cleared(today).values_list("pk", flat=True))
    rows: list[Pairing] = []

    def add(resident, mentor, **fields) -> Pairing:
        started = fields.pop("started_on", None) or _start(ctx, resident, rng.randint(10, 120))
        pairing = Pairing(
            resident=resident,
            mentor=mentor,
            started_on=started,
            checkin_interval_days=fields.pop("interval", rng.choice([7, 7, 7, 3, 14])),
            created_by=manager_of.get(resident.house_id),
            **fields,
        )
        pairing.refresh_due()
        rows.append(pairing)
        return pairing

    taken: set[int] = set()

    def next_resident(house_name: str) -> Resident | None:
        for r in by_house.get(house_name, []):
            if r.pk not in taken:
                taken.add(r.pk)
                return r
        return None

    # Active pairings, as planned, only with mentors who are cleared today.
    for email, house_name, count in ACTIVE_PLAN:
        mentor = mentors.get(email)
        if mentor is None or mentor.pk not in cleared:
            continue
        for _ in range(count):
            resident = next_resident(house_name)
            if resident is not None:
                add(resident, mentor)

    # Paused by a manager (the resident is in hospital for a while).
    marcus = mentors.get("marcus.bell@example.com")
    resident = next_resident("Maple House")
    if marcus and resident:
        paused = add(resident, marcus, status=P.Status.PAUSED)
        paused.paused_on = max(today - dt.timedelta(days=4), paused.started_on)
        paused.pause_reason = P.PauseReason.MANAGER
        paused.next_due_at = paused.overdue_at = None

    # The mentor went on break: paused for "mentor unavailable", top of the waiting queue.
    grace = mentors.get("grace.lin@example.com")
    resident = next_resident("Cedar House")
    if grace and resident:
        paused = add(resident, grace, status=P.Status.PAUSED, started_on=_start(ctx, resident, 60))
        paused.paused_on = max(today - dt.timedelta(days=6), paused.started_on)
        paused.pause_reason = P.PauseReason.MENTOR_UNAVAILABLE
        paused.next_due_at = paused.overdue_at = None

    # History: an earlier pairing that was "not a good fit" for someone paired now ...
    sam_mentees = [p for p in rows if p.mentor.user.email == "mentor@example.com"]
    if marcus and sam_mentees:
        _ended_before(
            ctx,
            add,
            sam_mentees[0],
            marcus,
            P.EndReason.NOT_A_GOOD_FIT,
            "Different expectations about how often to meet.",
        )
    # ... a retired mentor's mentee now waiting again (waiting since that end date) ...
    robert = mentors.get("robert.haines@example.com")
    resident = next_resident("Maple House")
    if robert and resident:
        started = _start(ctx, resident, 120)
        ended = add(
            resident,
            robert,
            status=P.Status.ENDED,
            started_on=started,
            ended_on=max(today - dt.timedelta(days=9), started),
            end_reason=P.EndReason.MENTOR_UNAVAILABLE,
            end_note="Moved out of state.",
        )
        ended.next_due_at = ended.overdue_at = None
    # ... and residents who left, with the pairing that ended when they did.
    helpers = [m for m in mentors.values() if m.pk in cleared] or list(mentors.values())
    serves: dict[int, set[int]] = defaultdict(set)
    for mentor_id, house_id in Mentor.houses.through.objects.values_list("mentor_id", "house_id"):
        serves[mentor_id].add(house_id)
    for resident in residents:
        if resident.is_active or not resident.exit_date or not helpers:
            continue
        mentor = rng.choice(
            [m for m in helpers if m.serves_all_houses or resident.house_id in serves[m.pk]]
            or helpers
        )
        started = min(
            resident.move_in_date + dt.timedelta(days=rng.randint(3, 20)), resident.exit_date
        )
        reason = (
            P.EndReason.COMPLETED
            if resident.status == Resident.Status.GRADUATED
            else P.EndReason.RESIDENT_LEFT
        )
        ended = add(
            resident,
            mentor,
            status=P.Status.ENDED,
            started_on=started,
            ended_on=resident.exit_date,
            end_reason=reason,
        )
        ended.next_due_at = ended.overdue_at = None
    for pairing in rows:
        pairing.full_clean(validate_constraints=False)
    return Pairing.objects.bulk_create(rows)


def _ended_before(ctx, add, current: Pairing, mentor: Mentor, reason: str, note: str) -> None:
    resident = current.resident
    if current.started_on <= resident.move_in_date:
        return
    started = resident.move_in_date
    ended = add(
        resident,
        mentor,
        status=P.Status.ENDED,
        started_on=started,
        ended_on=current.started_on,
        end_reason=reason,
        end_note=note,
    )
    ended.next_due_at = ended.overdue_at = None


# --- --scale large --------------------------------------------------------------------------


def _seed_large(ctx: DemoContext) -> int:
    """Most active residents of the bulk houses get a cleared mentor with room (serving their
    house when one has room, else any); exited residents get the pairing that ended when they
    left. Rows are built in memory and bulk-inserted."""
    rng, today = ctx.rng, ctx.today
    houses = ctx.data.get("large_houses") or []
    if not houses:
        return 0
    house_by_id = {h.pk: h for h in houses}
    if not Mentor.objects.exists():
        return 0
    residents = list(
        Resident.objects.filter(house__in=houses)
        .exclude(pk__in=Pairing.objects.values("resident_id"))
        .values_list("pk", "house_id", "status", "move_in_date", "exit_date")
        .order_by("pk")
    )
    mentors = list(
        Mentor.objects.cleared(today)
        .with_active_mentee_count()
        .values_list("pk", "capacity", "active_mentees", "serves_all_houses")
    )
    room = {pk: capacity - active for pk, capacity, active, _ in mentors if capacity > active}
    serving: dict[int, list[int]] = defaultdict(list)
    everywhere = [pk for pk, _, _, all_houses in mentors if all_houses and pk in room]
    for mentor_id, house_id in Mentor.houses.through.objects.filter(
        mentor_id__in=list(room)
    ).values_list("mentor_id", "house_id"):
        serving[house_id].append(mentor_id)
    any_mentor = list(room)
    rng.shuffle(any_mentor)
    all_mentor_ids = [m[0] for m in mentors] or list(Mentor.objects.values_list("pk", flat=True))

    def pick(house_id: int) -> int | None:
        for pool in (serving.get(house_id, []), everywhere, any_mentor):
            while pool and room.get(pool[-1], 0) <= 0:
                pool.pop()
            if pool:
                mentor_id = pool[-1]
                room[mentor_id] -= 1
                return mentor_id
        return None

    rows: list[Pairing] = []
    for pk, house_id, status, move_in, exit_date in residents:
        resident = Resident(pk=pk, house=house_by_id[house_id], move_in_date=move_in)
        if status == Resident.Status.ACTIVE:
            if rng.random() < 0.1:
                continue  # left waiting
            mentor_id = pick(house_id)
            if mentor_id is None:
                continue
            started = max(move_in, today - dt.timedelta(days=rng.randint(0, 180)))
            pairing = Pairing(
                resident=resident,
                mentor_id=mentor_id,
                started_on=started,
                checkin_interval_days=rng.choice([7, 7, 7, 3, 14]),
            )
            pairing.refresh_due()
            if started - move_in > dt.timedelta(days=45) and rng.random() < 0.25:
                # An earlier pairing that ended before this one began.
                rows.append(
                    Pairing(
                        resident=resident,
                        mentor_id=rng.choice(all_mentor_ids),
                        status=P.Status.ENDED,
                        started_on=move_in + dt.timedelta(days=rng.randint(2, 10)),
                        ended_on=started,
                        end_reason=rng.choice(EARLIER_END_REASONS),
                    )
                )
        else:
            exit_date = exit_date or today
            started = min(move_in + dt.timedelta(days=rng.randint(2, 20)), exit_date)
            pairing = Pairing(
                resident=resident,
                mentor_id=rng.choice(all_mentor_ids),
                status=P.Status.ENDED,
                started_on=started,
                ended_on=exit_date,
                end_reason=(
                    P.EndReason.COMPLETED
                    if status == Resident.Status.GRADUATED
                    else P.EndReason.RESIDENT_LEFT
                ),
            )
        rows.append(pairing)
    for offset in range(0, len(rows), BATCH):
        with transaction.atomic():
            Pairing.objects.bulk_create(rows[offset : offset + BATCH])
    return len(rows)
