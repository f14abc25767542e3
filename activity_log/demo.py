"""Demo data for `seed_demo` (see mentoring_site/demo.py): months of contacts per pairing.

Runs after matching's seeder, so pairings exist. Small: believable contacts, at least one overdue
mentee for each demo mentor, one unacknowledged urgent concern in manager@example.com's house and a
few milestones. Large: 1,000,000 contacts in bulk, then one set-based recompute of every pairing.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
import zoneinfo

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from activity_log.contacts import hours
from activity_log.contacts.services import pairing_recompute_due, pairings_recompute_due_bulk
from activity_log.models import ContactLog, Milestone, Reminder, Topic
from activity_log.reports import rollup
from matching.models import Pairing
from mentoring_site.demo import DemoContext
from residents.models import zone_or_program

LARGE_CONTACTS = 1_000_000
BATCH = 5_000

METHODS = [
    (ContactLog.Method.IN_PERSON, 45),
    (ContactLog.Method.PHONE, 30),
    (ContactLog.Method.TEXT, 10),
    (ContactLog.Method.VIDEO, 5),
    (ContactLog.Method.NO_ANSWER, 10),
]
DURATIONS = {
    ContactLog.Method.IN_PERSON: (30, 45, 60, 60, 90),
    ContactLog.Method.PHONE: (10, 15, 20, 30),
    ContactLog.Method.VIDEO: (20, 30, 45),
    ContactLog.Method.TEXT: (5, 10),
    ContactLog.Method.NO_ANSWER: (2, 5),
}
NOTES = [
    "Coffee after the house meeting. Talked about the first week at the new job; feeling steadier.",
    "Went over the weekly schedule together and picked two meetings to try.",
    "Had a hard weekend with family visits. Talked through what helped last time.",
    "Practised how to ask the supervisor for set shifts. Plans to try it Thursday.",
    "Walked to the library to sort out the bus pass. Good energy today.",
    "Short call: tired after work but keeping up with meetings.",
    "Talked about cravings at night and the plan for when they hit: call, walk, meeting.",
    "Looked at apartment listings for after graduation; budgeting next time.",
    "Checked in after the court date. Relieved it went smoothly.",
    "Went through the recovery plan and updated the goals for this month.",
    "Mostly listened today. Said the group on Tuesday is helping.",
    "",
    "",
]
FOLLOW_UPS = [
    "Bring the budget worksheet",
    "Check how the interview went",
    "Go to the Saturday meeting together",
    "Ask about the dentist appointment",
]
CONCERN_NOTES = ["Seemed withdrawn and skipped meetings", "Mentioned old friends are back around"]


def _weighted_method(rng) -> str:
    return rng.choices([m for m, _ in METHODS], weights=[w for _, w in METHODS])[0]


def _contact_times(
    ctx: DemoContext, pairing: Pairing, stop_before: dt.datetime
) -> list[dt.datetime]:
    """Roughly one contact per check-in interval from the start, with human irregularity."""
    tz = pairing.resident.house.zone
    day = pairing.started_on + dt.timedelta(days=ctx.rng.randint(0, 3))
    end = min(pairing.ended_on or ctx.today, ctx.today)
    times = []
    while day <= end:
        at = dt.datetime.combine(
            day, dt.time(ctx.rng.choice((9, 11, 13, 16, 18, 19, 20)), ctx.rng.choice((0, 15, 30)))
        ).replace(tzinfo=tz)
        if at < stop_before:
            times.append(at)
        day += dt.timedelta(days=max(1, pairing.checkin_interval_days + ctx.rng.randint(-3, 1)))
    return times


def _build_contact(ctx: DemoContext, pairing: Pairing, at: dt.datetime) -> ContactLog:
    rng = ctx.rng
    method = _weighted_method(rng)
    talked = method != ContactLog.Method.NO_ANSWER
    watch = talked and rng.random() < 0.05
    follow = talked and rng.random() < 0.25
    return ContactLog(
        pairing=pairing,
        happened_at=at,
        method=method,
        duration_minutes=rng.choice(DURATIONS[method]),
        wellbeing=rng.choice((2, 3, 3, 4, 4, 4, 5, None)) if talked else None,
        notes=rng.choice(NOTES) if talked else "",
        follow_up=rng.choice(FOLLOW_UPS) if follow else "",
        follow_up_on=(at + dt.timedelta(days=rng.randint(3, 10))).date() if follow else None,
        concern_level=ContactLog.Concern.WATCH if watch else ContactLog.Concern.NONE,
        concern_note=rng.choice(CONCERN_NOTES) if watch else "",
        created_by=pairing.mentor.user,
    )


def _add_topics_and_goals(
    ctx: DemoContext, contacts: list[ContactLog], topics: list[Topic]
) -> None:
    topic_rows, goal_rows = [], []
    goals_by_resident: dict[int, list[int]] = {}
    for contact in contacts:
        if contact.method == ContactLog.Method.NO_ANSWER:
            continue
        for topic in ctx.rng.sample(topics, ctx.rng.randint(1, 3)):
            topic_rows.append(
                ContactLog.topics.through(contactlog_id=contact.pk, topic_id=topic.pk)
            )
        resident = contact.pairing.resident
        if resident.pk not in goals_by_resident:
            goals_by_resident[resident.pk] = list(
                resident.goals.filter(status="open").values_list("pk", flat=True)
            )
        goals = goals_by_resident[resident.pk]
        if goals and ctx.rng.random() < 0.4:
            goal_rows.append(
                ContactLog.goals_discussed.through(
                    contactlog_id=contact.pk, recoverygoal_id=ctx.rng.choice(goals)
                )
            )
    ContactLog.topics.through.objects.bulk_create(topic_rows, batch_size=BATCH)
    ContactLog.goals_discussed.through.objects.bulk_create(goal_rows, batch_size=BATCH)


def _overdue_pairings(ctx: DemoContext, pairings: list[Pairing]) -> set[int]:
    """At least one active mentee overdue for each demo mentor, plus a few others."""
    chosen: set[int] = set()
    for email in ("mentor@example.com", "mentor2@example.com"):
        user = ctx.users.get(email)
        own = [p for p in pairings if p.is_active and user and p.mentor.user_id == user.pk]
        if own:
            chosen.add(own[-1].pk)
    others = [p for p in pairings if p.is_active and p.pk not in chosen]
    chosen.update(p.pk for p in others if ctx.rng.random() < 0.15)
    return chosen


def _urgent_pairing(ctx: DemoContext, pairings: list[Pairing], overdue: set[int]) -> Pairing | None:
    manager = ctx.users.get("manager@example.com")
    if manager is None:
        return None
    managed = set(manager.managed_houses.values_list("pk", flat=True))
    candidates = [p for p in pairings if p.is_active and p.resident.house_id in managed]
    # Prefer a mentee who is not meant to look overdue (the urgent contact is recent).
    candidates.sort(key=lambda p: p.pk in overdue)
    return candidates[0] if candidates else None


def seed(ctx: DemoContext) -> None:
    # matching's seeder leaves its (small) demo pairings here; bulk pairings get bulk contacts.
    shared = ctx.data.get("pairings")
    pairings = Pairing.objects.select_related("resident__house", "mentor__user").order_by("pk")
    if shared is not None:
        pairings = pairings.filter(pk__in=[p.pk for p in shared])
    pairings = list(pairings)
    if not pairings:
        ctx.log.append("activity_log: no pairings to log contacts for.")
        return
    if ContactLog.objects.filter(pairing__in=pairings).exists():
        ctx.log.append("activity_log: contacts already present, left as they are.")
        return
    topics = list(Topic.objects.all())
    overdue = _overdue_pairings(ctx, pairings)
    urgent = _urgent_pairing(ctx, pairings, overdue)
    with transaction.atomic():
        contacts: list[ContactLog] = []
        for pairing in pairings:
            stop = ctx.now - dt.timedelta(days=pairing.checkin_interval_days + 3)
            if pairing.pk not in overdue:
                stop = ctx.now - dt.timedelta(hours=2)
            for at in _contact_times(ctx, pairing, stop):
                contacts.append(_build_contact(ctx, pairing, at))
        ContactLog.objects.bulk_create(contacts, batch_size=1000)
        _add_topics_and_goals(ctx, contacts, topics)
        # Old contacts were written when they happened, so they are locked like real ones.
        ContactLog.objects.filter(pk__in=[c.pk for c in contacts]).update(
            created_at=F("happened_at"), updated_at=F("happened_at")
        )
        if urgent is not None:
            _seed_urgent_concern(ctx, urgent)
        for pairing in pairings:
            locked = (
                Pairing.objects.select_for_update()
                .select_related("resident__house")
                .get(pk=pairing.pk)
            )
            pairing_recompute_due(pairing=locked)
        _seed_milestones(ctx, {p.mentor for p in pairings})
    ctx.log.append(f"activity_log: {len(contacts)} contacts for {len(pairings)} pairings.")
    if ctx.large:
        seed_large(ctx, exclude={p.pk for p in pairings}, topics=topics)
        # Bulk contacts skip the services, which keep the reports' roll-up in step.
        started = time.monotonic()
        rows = rollup.rollup_rebuild()
        ctx.log.append(
            f"activity_log: report roll-up, {rows:,} pairing-days in "
            f"{time.monotonic() - started:.0f} s."
        )


def _seed_urgent_concern(ctx: DemoContext, pairing: Pairing) -> None:
    at = ctx.now - dt.timedelta(hours=5)
    contact = ContactLog.objects.create(
        pairing=pairing,
        happened_at=at,
        method=ContactLog.Method.PHONE,
        duration_minutes=25,
        wellbeing=1,
        notes="Very low on the call and talked about giving up. Stayed on until they agreed to "
        "talk to house staff tonight.",
        concern_level=ContactLog.Concern.URGENT,
        concern_note="Talked about giving up; asked staff to check in tonight",
        created_by=pairing.mentor.user,
    )
    contact.topics.set([t for t in Topic.objects.filter(slug__in=["coping", "relapse-prevention"])])
    # The alert went out when it was logged; the demo does not email anyone again.
    Reminder.objects.bulk_create(
        [
            Reminder(
                kind=Reminder.Kind.URGENT_CONCERN,
                contact=contact,
                subject_key=f"contact:{contact.pk}",
                due_at=contact.created_at,
                send_after=contact.created_at,
                sent_at=contact.created_at,
                attempts=1,
                recipient=manager,
            )
            for manager in pairing.resident.house.managers.all()
        ],
        ignore_conflicts=True,
    )


def _seed_milestones(ctx: DemoContext, mentors) -> None:
    for mentor in mentors:
        hours.milestones_record(mentor)
    # Older milestones were celebrated; the newest of the demo mentor waits for the home page.
    Milestone.objects.update(celebrated_at=timezone.now())
    demo = ctx.users.get("mentor@example.com")
    newest = Milestone.objects.filter(mentor__user=demo).order_by("-hours").first()
    if newest:
        Milestone.objects.filter(pk=newest.pk).update(celebrated_at=None)


# --- --scale large -------------------------------------------------------------------------------


def seed_large(ctx: DemoContext, *, exclude: set[int], topics: list[Topic]) -> None:
    """1,000,000 contacts spread over the bulk pairings, in batches, then a set-based recompute."""
    started = time.monotonic()
    rng = ctx.rng
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    rows = []
    for pk, user_id, started_on, ended_on, tz_name in (
        Pairing.objects.exclude(pk__in=exclude)
        .order_by("pk")
        .values_list(
            "pk", "mentor__user_id", "started_on", "ended_on", "resident__house__time_zone"
        )
    ):
        tz = zones.setdefault(tz_name, zone_or_program(tz_name))
        start = dt.datetime.combine(started_on, dt.time(8), tzinfo=tz)
        end = (
            dt.datetime.combine(ended_on, dt.time(20), tzinfo=tz)
            if ended_on
            else ctx.now - dt.timedelta(hours=1)
        )
        if end > start:
            rows.append((pk, user_id, start, (end - start).total_seconds()))
    if not rows:
        ctx.log.append("activity_log: no bulk pairings for large contacts.")
        return
    print(f"  contacts: spreading {LARGE_CONTACTS:,} over {len(rows):,} pairings", flush=True)
    topic_ids = [t.pk for t in topics]
    methods = [m for m, _ in METHODS]
    weights = [w for _, w in METHODS]
    if connection.vendor == "postgresql":
        write = functools.partial(_write_batch_copy, skip_fk_triggers=_is_superuser())
    else:
        write = _write_batch_orm
    made = 0
    while made < LARGE_CONTACTS:
        size = min(BATCH, LARGE_CONTACTS - made)
        batch = []
        for method in rng.choices(methods, weights=weights, k=size):
            pk, user_id, start, span = rows[rng.randrange(len(rows))]
            talked = method != ContactLog.Method.NO_ANSWER
            batch.append(
                (
                    pk,
                    start + dt.timedelta(seconds=rng.random() * span),
                    method,
                    rng.choice(DURATIONS[method]),
                    rng.choice((2, 3, 4, 4, 5, None)) if talked else None,
                    rng.choice(NOTES) if talked else "",
                    user_id,
                    rng.choice(topic_ids) if talked and topic_ids else None,
                )
            )
        with transaction.atomic():
            write(batch)
        made += size
        if made % 100_000 == 0:
            print(f"  contacts: {made:,} ({time.monotonic() - started:.0f} s)", flush=True)
    pairings_recompute_due_all()
    ctx.log.append(
        f"activity_log: {LARGE_CONTACTS:,} more contacts in {time.monotonic() - started:.0f} s."
    )


# (pairing_id, happened_at, method, minutes, wellbeing, notes, author_id, topic_id or None)
BulkRow = tuple


def _is_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def _write_batch_copy(batch: list[BulkRow], *, skip_fk_triggers: bool = False) -> None:
    """PostgreSQL: ids from the sequence, then COPY; created_at = happened_at (locked, like real
    old contacts) with no second pass."""
    with connection.cursor() as cursor:
        if skip_fk_triggers:
            # Demo only, half the load time: every id written was read from its table just
            # before, so the per-row foreign-key triggers have nothing to find. Ends with the
            # transaction (SET LOCAL).
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('activity_log_contactlog', 'id')) "
            "FROM generate_series(1, %s)",
            [len(batch)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        raw = cursor.cursor
        with raw.copy(
            "COPY activity_log_contactlog (id, pairing_id, happened_at, method, duration_minutes,"
            " wellbeing, notes, follow_up, concern_level, concern_note, acknowledgement_note,"
            " created_by_id, created_at, updated_at) FROM STDIN"
        ) as copy:
            for pk, (pairing_id, at, method, minutes, wellbeing, notes, author, _t) in zip(
                ids, batch, strict=True
            ):
                copy.write_row(
                    (pk, pairing_id, at, method, minutes, wellbeing, notes, "", "none", "", "",
                     author, at, at)
                )  # fmt: skip
        with raw.copy(
            "COPY activity_log_contactlog_topics (contactlog_id, topic_id) FROM STDIN"
        ) as copy:
            for pk, row in zip(ids, batch, strict=True):
                if row[7] is not None:
                    copy.write_row((pk, row[7]))


def _write_batch_orm(batch: list[BulkRow]) -> None:
    saved = ContactLog.objects.bulk_create(
        [
            ContactLog(
                pairing_id=pairing_id,
                happened_at=at,
                method=method,
                duration_minutes=minutes,
                wellbeing=wellbeing,
                notes=notes,
                created_by_id=author,
            )
            for pairing_id, at, method, minutes, wellbeing, notes, author, _topic in batch
        ]
    )
    ids = [contact.pk for contact in saved]
    # Written when they happened: locked like real old contacts (one range UPDATE per batch).
    ContactLog.objects.filter(pk__gte=min(ids), pk__lte=max(ids)).update(
        created_at=F("happened_at"), updated_at=F("happened_at")
    )
    through = ContactLog.topics.through
    through.objects.bulk_create(
        [
            through(contactlog_id=contact.pk, topic_id=row[7])
            for contact, row in zip(saved, batch, strict=True)
            if row[7] is not None
        ]
    )


def pairings_recompute_due_all() -> None:
    """Every pairing's last contact, due time and contacts' on-time by the check-in rule
    (matching/checkins.py), a chunk of pairings at a time."""
    ids = list(Pairing.objects.order_by("pk").values_list("pk", flat=True))
    pairings_recompute_due_bulk(ids)
