"""The overdue scan that fills the reminder outbox (docs/reminders.md).

The scan finds due rows through partial indexes and writes Reminder rows whose unique
constraint makes a second scan harmless; the sender (send.py) empties the outbox.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import router, transaction
from django.db.models import Exists, F, OuterRef
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
from django.utils import timezone

from activity_log.groups.models import GroupSession
from activity_log.groups.selectors import NO_ATTENDANCE_AFTER, sessions_without_attendance
from activity_log.models import ContactLog, Reminder
from activity_log.reminders.channels import per_channel
from activity_log.reminders.send import PAIRING_KINDS, enqueue_send, quiet_hours_send_after
from matching import checkins
from matching.models import Pairing
from mentors.models import Mentor, TrainingRecord
from residents.models import House, Resident, time_zone_is_known, zone_or_program

logger = logging.getLogger(__name__)

INSERT_BATCH = 2000
# IN lists of at most this many ids (PostgreSQL allows 65,535 parameters per query).
ID_CHUNK = 10_000
TRAINING_NOTICE_DAYS = 30

Kind = Reminder.Kind


# --- Scan --------------------------------------------------------------------------------------


@dataclass
class ScanResult:
    """New Reminder rows written by one scan, by kind."""

    mentor_overdue: int = 0
    manager_escalation: int = 0
    training_expiring: int = 0
    follow_up: int = 0
    attendance_missing: int = 0
    # Houses whose reminders could not be built this run (logged by id; the others went on).
    skipped_houses: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return (
            self.mentor_overdue
            + self.manager_escalation
            + self.training_expiring
            + self.follow_up
            + self.attendance_missing
        )


def _overdue_pairings(now: dt.datetime):
    """Pairings owed a mentor reminder or a manager escalation by the check-in rule
    (matching/checkins.py). Exactly the predicate of pairing_due_scan_idx (status = active,
    next_due_at < ...); no ordering and no joins, so the cost follows the due rows."""
    return Pairing.objects.filter(checkins.reminder_or_escalation_q(now)).order_by()


def _chunks(ids: list[int]):
    for start in range(0, len(ids), ID_CHUNK):
        yield ids[start : start + ID_CHUNK]


def _already_written(pairing_ids: list[int], oldest_due: dt.datetime) -> set[tuple]:
    """(kind, pairing, due time, recipient) of the reminders already written for these pairings."""
    written = set()
    for chunk in _chunks(pairing_ids):
        written.update(
            Reminder.objects.filter(
                kind__in=PAIRING_KINDS, pairing_id__in=chunk, due_at__gte=oldest_due
            )
            .order_by()
            .values_list("kind", "pairing_id", "due_at", "recipient_id")
        )
    return written


def _pairing_reminders(now: dt.datetime) -> tuple[list[Reminder], list[Reminder], list[int]]:
    """Mentor reminders past grace and manager escalations past the escalation delay.

    Five primary-key or foreign-key lookups by the due pairings' ids (one each up to ID_CHUNK
    due pairings), instead of joins the planner would answer with scans of whole tables.
    Built house by house: a house whose rows fail is logged by id and skipped (third value),
    the others are written.
    """
    due = list(_overdue_pairings(now).values_list("id", "next_due_at", "mentor_id", "resident_id"))
    if not due:
        return [], [], []
    pairing_ids = [row[0] for row in due]
    mentor_users, resident_houses = {}, {}
    for chunk in _chunks(sorted({row[2] for row in due})):
        mentor_users.update(
            Mentor.objects.filter(id__in=chunk).order_by().values_list("id", "user_id")
        )
    for chunk in _chunks(sorted({row[3] for row in due})):
        resident_houses.update(
            Resident.objects.filter(id__in=chunk).order_by().values_list("id", "house_id")
        )
    house_ids = sorted(set(resident_houses.values()))
    time_zones = dict(
        House.objects.filter(id__in=house_ids).order_by().values_list("id", "time_zone")
    )
    managers = defaultdict(list)
    for house_id, user_id in House.managers.through.objects.filter(
        house_id__in=house_ids, user__is_active=True
    ).values_list("house_id", "user_id"):
        managers[house_id].append(user_id)
    written = _already_written(pairing_ids, min(row[1] for row in due))

    _log_unknown_zones(time_zones)
    due_by_house = defaultdict(list)
    for row in due:
        due_by_house[resident_houses[row[3]]].append(row)

    def reminder(kind: str, pairing_id: int, due_at: dt.datetime, recipient_id: int, after):
        return Reminder(
            kind=kind,
            pairing_id=pairing_id,
            subject_key=f"pairing:{pairing_id}",
            due_at=due_at,
            recipient_id=recipient_id,
            send_after=after,
        )

    mentor_rows, manager_rows, skipped = [], [], []
    for house_id, house_due in due_by_house.items():
        house_mentor_rows, house_manager_rows = [], []
        try:
            after = quiet_hours_send_after(now, time_zones[house_id])
            zone = zone_or_program(time_zones[house_id])
            for pairing_id, due_at, mentor_id, _resident_id in house_due:
                user_id = mentor_users[mentor_id]
                state = checkins.state_at(due_at, now, zone)
                if (
                    state.reminder_worthy
                    and (Kind.MENTOR_OVERDUE, pairing_id, due_at, user_id) not in written
                ):
                    house_mentor_rows.append(
                        reminder(Kind.MENTOR_OVERDUE, pairing_id, due_at, user_id, after)
                    )
                if state.escalation_worthy:
                    for manager_id in managers[house_id]:
                        key = (Kind.MANAGER_ESCALATION, pairing_id, due_at, manager_id)
                        if key not in written:
                            house_manager_rows.append(
                                reminder(
                                    Kind.MANAGER_ESCALATION, pairing_id, due_at, manager_id, after
                                )
                            )
        except SoftTimeLimitExceeded:
            raise
        except Exception as exc:  # noqa: BLE001 - one house's bad data must not stop the others
            # The id and the exception class only: messages may carry names.
            logger.error("overdue scan skipped house %s: %s", house_id, type(exc).__name__)
            skipped.append(house_id)
            continue
        mentor_rows += house_mentor_rows
        manager_rows += house_manager_rows
    return mentor_rows, manager_rows, skipped


def _log_unknown_zones(time_zones: dict[int, str]) -> None:
    """Once per run and house: its stored zone is not a known name, so the program zone is used."""
    for house_id in sorted(h for h, name in time_zones.items() if not time_zone_is_known(name)):
        logger.warning(
            "house %s has an unknown time zone; its reminders use the program time zone",
            house_id,
        )


def _training_reminders(now: dt.datetime) -> list[Reminder]:
    """One reminder per still-valid record expiring within 30 days, not renewed, active mentor."""
    today = timezone.localdate(now)
    last_day = today + dt.timedelta(days=TRAINING_NOTICE_DAYS)
    renewed = TrainingRecord.objects.filter(
        mentor=OuterRef("mentor"),
        course=OuterRef("course"),
        completed_on__gt=OuterRef("completed_on"),
    )
    expiring = (
        TrainingRecord.objects.filter(
            expires_on__gte=today, expires_on__lte=last_day, mentor__status=Mentor.Status.ACTIVE
        )
        .exclude(Exists(renewed))
        .order_by()
        .values_list("id", "expires_on", "mentor__user_id")
    )
    done = set(
        Reminder.objects.filter(
            kind=Kind.TRAINING_EXPIRING,
            training_record__expires_on__gte=today,
            training_record__expires_on__lte=last_day,
        )
        .order_by()
        .values_list("training_record_id", "recipient_id")
    )
    program_tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    send_after = quiet_hours_send_after(now, program_tz)
    return [
        Reminder(
            kind=Kind.TRAINING_EXPIRING,
            training_record_id=record_id,
            subject_key=f"training:{record_id}",
            due_at=dt.datetime.combine(expires_on, dt.time.min, tzinfo=program_tz),
            recipient_id=user_id,
            send_after=send_after,
        )
        for record_id, expires_on, user_id in expiring
        if (record_id, user_id) not in done
    ]


# Follow-ups and sessions further back than this are not reminded (the scan stays bounded;
# My mentees and the dashboard still show them).
NOTICE_LOOKBACK = dt.timedelta(days=14)


def _follow_up_reminders(now: dt.datetime) -> list[Reminder]:
    """One reminder per follow-up whose date has come in the house's time zone, not done, on a
    current pairing, to its author while they are the pairing's mentor. Written at midnight
    local, it waits for the end of quiet hours: the morning digest of the day it is due."""
    program_today = timezone.localdate(now)
    rows = list(
        ContactLog.objects.filter(
            follow_up_on__isnull=False,
            follow_up_done_at__isnull=True,
            follow_up_on__lte=program_today + dt.timedelta(days=1),
            follow_up_on__gte=program_today - NOTICE_LOOKBACK,
            pairing__in=Pairing.objects.current(),
            created_by=F("pairing__mentor__user"),
        )
        .order_by()
        .values_list("id", "follow_up_on", "created_by_id", "pairing__resident__house__time_zone")
    )
    if not rows:
        return []
    done = set(
        Reminder.objects.filter(kind=Kind.FOLLOW_UP, contact_id__in=[r[0] for r in rows])
        .order_by()
        .values_list("contact_id", "due_at")
    )
    reminders = []
    for contact_id, follow_up_on, user_id, zone_name in rows:
        tz = zone_or_program(zone_name)
        if follow_up_on > now.astimezone(tz).date():
            continue
        due_at = dt.datetime.combine(follow_up_on, dt.time.min, tzinfo=tz)
        if (contact_id, due_at) in done:
            continue
        reminders.append(
            Reminder(
                kind=Kind.FOLLOW_UP,
                contact_id=contact_id,
                subject_key=f"contact:{contact_id}",
                due_at=due_at,
                recipient_id=user_id,
                send_after=quiet_hours_send_after(now, tz),
            )
        )
    return reminders


def _attendance_reminders(now: dt.datetime) -> list[Reminder]:
    """ "Attendance not taken": one reminder per facilitator (a mentor's account or a staff
    member named on it) of each held session that ended more than a day ago without attendance
    (group_session_no_att_idx), in their next digest."""
    recent = GroupSession.objects.filter(starts_at__gte=now - NOTICE_LOOKBACK)
    sessions = sessions_without_attendance(recent, now=now).rows
    if not sessions:
        return []
    ids = [session.pk for session in sessions]
    facilitators = defaultdict(set)
    for session_id, user_id in GroupSession.facilitator_mentors.through.objects.filter(
        groupsession_id__in=ids, mentor__user__is_active=True
    ).values_list("groupsession_id", "mentor__user_id"):
        facilitators[session_id].add(user_id)
    for session_id, user_id in GroupSession.facilitator_users.through.objects.filter(
        groupsession_id__in=ids, user__is_active=True
    ).values_list("groupsession_id", "user_id"):
        facilitators[session_id].add(user_id)
    done = set(
        Reminder.objects.filter(kind=Kind.ATTENDANCE_NOT_TAKEN, group_session_id__in=ids)
        .order_by()
        .values_list("group_session_id", "recipient_id")
    )
    reminders = []
    for session in sessions:
        due_at = session.ends_at + NO_ATTENDANCE_AFTER
        send_after = quiet_hours_send_after(now, session.zone())
        for user_id in sorted(facilitators[session.pk]):
            if (session.pk, user_id) in done:
                continue
            reminders.append(
                Reminder(
                    kind=Kind.ATTENDANCE_NOT_TAKEN,
                    group_session_id=session.pk,
                    subject_key=f"session:{session.pk}",
                    due_at=due_at,
                    recipient_id=user_id,
                    send_after=send_after,
                )
            )
    return reminders


def _waiting(now: dt.datetime) -> bool:
    """Any reminder ready to go and not being sent right now (reminder_unsent_idx)."""
    return Reminder.objects.ready(now).exists()


def _insert_new(rows: list[Reminder]) -> Counter:
    """Inserts with ON CONFLICT DO NOTHING RETURNING kind: counts only the rows this run wrote.

    A concurrent scan may have written some of these since we looked; the unique constraint
    drops them and RETURNING leaves them out (bulk_create(ignore_conflicts=True) returns what
    it tried, so five racing scans each reported every row).
    """
    inserted: Counter = Counter()
    if not rows:
        return inserted
    fields = [f for f in Reminder._meta.concrete_fields if not f.primary_key]
    kind = Reminder._meta.get_field("kind")
    using = router.db_for_write(Reminder)
    for start in range(0, len(rows), INSERT_BATCH):
        query = InsertQuery(Reminder, on_conflict=OnConflict.IGNORE)
        query.insert_values(fields, rows[start : start + INSERT_BATCH])
        returned = query.get_compiler(using=using).execute_sql(returning_fields=[kind])
        # A single-row insert that conflicted returns [None].
        inserted.update(row[0] for row in returned if row)
    return inserted


def scan_overdue(now: dt.datetime | None = None, *, enqueue: bool = True) -> ScanResult:
    """Writes the reminders owed right now; repeating it (or racing another scan) adds nothing.

    A fixed number of queries whatever the number of rows; each touches only due rows through
    pairing_due_scan_idx, training_expires_idx and the Reminder foreign-key indexes.
    """
    now = now or timezone.now()
    mentor_rows, manager_rows, skipped = _pairing_reminders(now)
    training_rows = _training_reminders(now)
    notice_rows = _follow_up_reminders(now) + _attendance_reminders(now)
    # One row per channel each person gets (email, text or both): each is sent once on its own.
    rows = per_channel(mentor_rows + manager_rows + training_rows + notice_rows)
    with transaction.atomic():
        inserted = _insert_new(rows)
        # Also when older reminders still wait (the broker was down, the mail server failed):
        # the next scan after an outage sends them.
        if enqueue and (inserted or _waiting(now)):
            transaction.on_commit(enqueue_send)
    result = ScanResult(
        inserted[Kind.MENTOR_OVERDUE],
        inserted[Kind.MANAGER_ESCALATION],
        inserted[Kind.TRAINING_EXPIRING],
        follow_up=inserted[Kind.FOLLOW_UP],
        attendance_missing=inserted[Kind.ATTENDANCE_NOT_TAKEN],
        skipped_houses=skipped,
    )
    logger.log(
        logging.INFO if result.total else logging.DEBUG,
        "overdue scan wrote %d mentor, %d escalation, %d training, %d follow-up, "
        "%d attendance reminders",
        result.mentor_overdue,
        result.manager_escalation,
        result.training_expiring,
        result.follow_up,
        result.attendance_missing,
    )
    return result
