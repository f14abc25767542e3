"""Overdue check-in reminders: the scan that fills the outbox and the sender that empties it.

The healthchecks pattern (docs/reminders.md): the scan finds due rows through partial indexes and
writes Reminder rows whose unique constraint makes a second scan harmless; the sender claims each
row with a compare-and-set UPDATE, so only one process ever sends it, and records failures for a
later retry. Everything lives in the database, so nothing is lost while Redis or the mail server
is down.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
import uuid
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from activity_log.groups import selectors as group_selectors
from activity_log.models import Reminder
from matching.models import Pairing
from mentors.models import Mentor, TrainingRecord
from residents.models import House, Resident

logger = logging.getLogger(__name__)

# A claim outlives the send task's hard time limit, so a crashed run's rows are retried later.
CLAIM_LEASE = dt.timedelta(minutes=5)
SEND_BATCH = 500
# The send task's soft time limit is 120 s: stop starting batches well before it.
SEND_BUDGET = dt.timedelta(seconds=60)
INSERT_BATCH = 2000
# IN lists of at most this many ids (PostgreSQL allows 65,535 parameters per query).
ID_CHUNK = 10_000
TRAINING_NOTICE_DAYS = 30
MAX_BACKOFF = dt.timedelta(hours=2)
ENQUEUE_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}

Kind = Reminder.Kind
PAIRING_KINDS = (Kind.MENTOR_OVERDUE, Kind.MANAGER_ESCALATION)
# The sections of a recipient's digest email, in this order. Urgent concerns are never in it:
# they go at once, day or night, in an email of their own.
DIGEST_KINDS = (Kind.MENTOR_OVERDUE, Kind.MANAGER_ESCALATION, Kind.TRAINING_EXPIRING)


# --- Quiet hours -------------------------------------------------------------------------------


def quiet_hours_send_after(now: dt.datetime, time_zone: str) -> dt.datetime:
    """`now`, or the next end of quiet hours (08:00 local) when `now` falls inside them."""
    tz = zoneinfo.ZoneInfo(time_zone)
    local = now.astimezone(tz)
    start, end = settings.QUIET_HOURS_START, settings.QUIET_HOURS_END
    if end <= local.hour < start:
        return now
    day = local.date() if local.hour < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(end), tzinfo=tz)


# --- Enqueueing --------------------------------------------------------------------------------


def enqueue_send() -> bool:
    """Asks a worker to send due reminders; never raises (use with transaction.on_commit).

    When the broker is down the request still succeeds: the rows are in the database and the
    next scan (or beat's send run) picks them up.
    """
    from activity_log.tasks import send_reminders  # tasks import this module

    try:
        # One quick reconnect (a pooled connection may be stale after a broker restart), then give
        # up: with retry=False redis-py's own retries would hold the request for seconds.
        send_reminders.apply_async(retry=True, retry_policy=ENQUEUE_RETRY)
    except Exception as exc:  # noqa: BLE001 - any broker failure must not reach the caller
        logger.warning(
            "could not enqueue reminder sending (%s); the next scan will retry",
            type(exc).__name__,
        )
        return False
    return True


# --- Scan --------------------------------------------------------------------------------------


@dataclass
class ScanResult:
    """New Reminder rows written by one scan, by kind."""

    mentor_overdue: int = 0
    manager_escalation: int = 0
    training_expiring: int = 0

    @property
    def total(self) -> int:
        return self.mentor_overdue + self.manager_escalation + self.training_expiring


def _overdue_pairings(cutoff: dt.datetime):
    # Exactly the predicate of pairing_due_scan_idx (status = active, next_due_at < ...); no
    # ordering and no joins, so the cost follows the due rows, not the size of the tables.
    return Pairing.objects.filter(status="active", next_due_at__lt=cutoff).order_by()


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


def _pairing_reminders(now: dt.datetime) -> tuple[list[Reminder], list[Reminder]]:
    """Mentor reminders past grace and manager escalations past the escalation delay.

    Five primary-key or foreign-key lookups by the due pairings' ids (one each up to ID_CHUNK
    due pairings), instead of joins the planner would answer with scans of whole tables.
    """
    grace_cutoff = now - settings.REMINDER_GRACE
    escalation_cutoff = now - settings.ESCALATION_DELAY
    due = list(
        _overdue_pairings(max(grace_cutoff, escalation_cutoff)).values_list(
            "id", "next_due_at", "mentor_id", "resident_id"
        )
    )
    if not due:
        return [], []
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

    send_after_by_tz: dict[str, dt.datetime] = {}

    def reminder(kind: str, pairing_id: int, due_at: dt.datetime, recipient_id: int, tz: str):
        if tz not in send_after_by_tz:
            send_after_by_tz[tz] = quiet_hours_send_after(now, tz)
        return Reminder(
            kind=kind,
            pairing_id=pairing_id,
            subject_key=f"pairing:{pairing_id}",
            due_at=due_at,
            recipient_id=recipient_id,
            send_after=send_after_by_tz[tz],
        )

    mentor_rows, manager_rows = [], []
    for pairing_id, due_at, mentor_id, resident_id in due:
        house_id = resident_houses[resident_id]
        tz = time_zones[house_id]
        user_id = mentor_users[mentor_id]
        if (
            due_at < grace_cutoff
            and (Kind.MENTOR_OVERDUE, pairing_id, due_at, user_id) not in written
        ):
            mentor_rows.append(reminder(Kind.MENTOR_OVERDUE, pairing_id, due_at, user_id, tz))
        if due_at < escalation_cutoff:
            for manager_id in managers[house_id]:
                if (Kind.MANAGER_ESCALATION, pairing_id, due_at, manager_id) not in written:
                    manager_rows.append(
                        reminder(Kind.MANAGER_ESCALATION, pairing_id, due_at, manager_id, tz)
                    )
    return mentor_rows, manager_rows


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
    send_after = quiet_hours_send_after(now, settings.TIME_ZONE)
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


def _waiting(now: dt.datetime) -> bool:
    """Any reminder ready to go and not being sent right now (reminder_unsent_idx)."""
    return (
        Reminder.objects.filter(sent_at__isnull=True, failed_at__isnull=True, send_after__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .exists()
    )


def scan_overdue(now: dt.datetime | None = None, *, enqueue: bool = True) -> ScanResult:
    """Writes the reminders owed right now; repeating it (or racing another scan) adds nothing.

    A fixed number of queries whatever the number of rows; each touches only due rows through
    pairing_due_scan_idx, training_expires_idx and the Reminder foreign-key indexes.
    """
    now = now or timezone.now()
    mentor_rows, manager_rows = _pairing_reminders(now)
    training_rows = _training_reminders(now)
    rows = mentor_rows + manager_rows + training_rows
    with transaction.atomic():
        if rows:
            # A concurrent scan may have written some of these since we looked: the unique
            # constraint drops them.
            Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=INSERT_BATCH)
        # Also when older reminders still wait (the broker was down, the mail server failed):
        # the next scan after an outage sends them.
        if enqueue and (rows or _waiting(now)):
            transaction.on_commit(enqueue_send)
    result = ScanResult(len(mentor_rows), len(manager_rows), len(training_rows))
    logger.log(
        logging.INFO if result.total else logging.DEBUG,
        "overdue scan wrote %d mentor, %d escalation, %d training reminders",
        result.mentor_overdue,
        result.manager_escalation,
        result.training_expiring,
    )
    return result


# --- Send --------------------------------------------------------------------------------------


@dataclass
class SendResult:
    claimed: int = 0
    emails: int = 0
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    deferred: int = 0
    dropped: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 ... minutes after the n-th failure, at most two hours."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _claim(reminder_ids: list[int], now: dt.datetime) -> list[int]:
    """Compare-and-set on the whole batch; returns only the rows this run won.

    The UPDATE re-checks `sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < now)`
    row by row, so a row another sender claimed meanwhile is skipped; the token marks ours.
    """
    token = uuid.uuid4()
    Reminder.objects.filter(
        id__in=reminder_ids, sent_at__isnull=True, failed_at__isnull=True
    ).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)).update(
        claimed_until=now + CLAIM_LEASE, claim_token=token
    )
    return list(
        Reminder.objects.filter(id__in=reminder_ids, claim_token=token)
        .order_by()
        .values_list("id", flat=True)
    )


def _time_zone_of(reminder: Reminder) -> str:
    if reminder.pairing_id:
        return reminder.pairing.resident.house.time_zone
    if reminder.contact_id:
        return reminder.contact.pairing.resident.house.time_zone
    return settings.TIME_ZONE


def _is_obsolete(reminder: Reminder) -> bool:
    """A pairing reminder whose due time passed away: contact logged, paused or ended."""
    if reminder.kind in PAIRING_KINDS:
        pairing = reminder.pairing
        return pairing.status != Pairing.Status.ACTIVE or pairing.next_due_at != reminder.due_at
    if reminder.kind == Kind.TRAINING_EXPIRING:
        return reminder.training_record.mentor.status != Mentor.Status.ACTIVE
    return False


def _absolute(url_name: str, *args, fallback: str = "home") -> str:
    try:
        path = reverse(url_name, args=args)
    except NoReverseMatch:
        path = reverse(fallback)
    return f"{settings.SITE_URL}{path}"


def _item(reminder: Reminder, now: dt.datetime) -> dict:
    """What one line of an email may say: first names, dates and links, never notes."""
    if reminder.kind == Kind.TRAINING_EXPIRING:
        record = reminder.training_record
        return {"course": record.course.name, "expires_on": record.expires_on}
    pairing = reminder.contact.pairing if reminder.contact_id else reminder.pairing
    resident = pairing.resident
    tz = zoneinfo.ZoneInfo(resident.house.time_zone)
    item = {
        "name": resident.preferred_name,
        "house": resident.house.name,
        "mentor_first_name": pairing.mentor.user.display_first_name,
        "due_on": reminder.due_at.astimezone(tz).date(),
        "days_overdue": max((now - reminder.due_at).days, 0),
        "url": _absolute("residents:detail", resident.pk, fallback="activity_log:dashboard"),
    }
    if reminder.kind == Kind.MENTOR_OVERDUE:
        # The mentor's own log form for this mentee.
        item["log_url"] = _absolute(
            "activity_log:contact_new", pairing.pk, fallback="activity_log:my_mentees"
        )
    return item


def build_email(recipient, reminders: list[Reminder], now: dt.datetime):
    """One email to one recipient: an urgent alert on its own, or the digest of the other kinds.

    The digest has a section per kind (`emails/_<kind>.txt` / `.html`), in DIGEST_KINDS order.
    """
    kinds = {reminder.kind for reminder in reminders}
    context = {
        "first_name": recipient.display_first_name,
        "log_url": _absolute("activity_log:my_mentees"),
        "home_url": _absolute("home"),
        "site_url": settings.SITE_URL,
    }
    if kinds == {Kind.URGENT_CONCERN}:
        name = "urgent_concern"
        items = [_item(reminder, now) for reminder in reminders]
        context |= {"items": items, "count": len(items)}
    elif Kind.URGENT_CONCERN in kinds:
        raise ValueError("urgent concerns are sent on their own, never in a digest")
    else:
        name = "digest"
        by_kind = defaultdict(list)
        for reminder in reminders:
            by_kind[reminder.kind].append(_item(reminder, now))
        sections = [
            {
                "kind": kind,
                "items": by_kind[kind],
                "count": len(by_kind[kind]),
                "txt": f"emails/_{kind}.txt",
                "html": f"emails/_{kind}.html",
            }
            for kind in DIGEST_KINDS
            if by_kind[kind]
        ]
        context |= {"sections": sections, "several": len(sections) > 1}
        context["groups_waiting"] = group_selectors.attendance_waiting_for(
            recipient, now=now, site_url=settings.SITE_URL
        )
    subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
    text = render_to_string(f"emails/{name}_body.txt", context)
    html = render_to_string(f"emails/{name}_body.html", context)
    message = EmailMultiAlternatives(subject, text, to=[recipient.email])
    message.attach_alternative(html, "text/html")
    return message


_EMAIL_ADDRESS = re.compile(r"\S+@\S+")


def _describe(exc: Exception) -> str:
    """Exception class and a short message, with any email address removed."""
    message = _EMAIL_ADDRESS.sub("<address>", str(exc))[:200]
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _record_failure(reminders: list[Reminder], error: str, now: dt.datetime) -> tuple[int, int]:
    failed = gave_up = 0
    for reminder in reminders:
        attempts = reminder.attempts + 1
        # Give up a day after it could first have gone (send_after), not after it was written.
        if now - reminder.send_after >= settings.REMINDER_GIVE_UP:
            changes = {"failed_at": now, "claimed_until": None}
            gave_up += 1
        else:
            changes = {"claimed_until": now + backoff(attempts)}
            failed += 1
        Reminder.objects.filter(id=reminder.id).update(
            attempts=attempts, last_error=error, **changes
        )
    return failed, gave_up


def send_due_reminders(now: dt.datetime | None = None, *, batch: int | None = None) -> SendResult:
    """Claims due reminders and sends each recipient one digest email with every kind in it.

    Urgent concerns go in an email of their own (at once, even in quiet hours). The rows of one
    email are sent, or fail and are retried, together.
    """
    now = now or timezone.now()
    batch = batch or SEND_BATCH
    result = SendResult()
    # reminder_unsent_idx: unsent, not given up, send_after reached.
    ready = Reminder.objects.filter(
        sent_at__isnull=True, failed_at__isnull=True, send_after__lte=now
    ).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    rows = list(ready.order_by("send_after", "id").values_list("id", "recipient_id")[:batch])
    candidates = [row[0] for row in rows]
    if len(rows) == batch:
        # A full batch may end part-way through a recipient's rows: take the rest of theirs too,
        # so nobody gets a second email from the next batch.
        recipients = sorted({row[1] for row in rows})
        candidates += (
            ready.filter(recipient_id__in=recipients)
            .exclude(id__in=candidates)
            .order_by()
            .values_list("id", flat=True)
        )
    claimed = _claim(candidates, now) if candidates else []
    result.claimed = len(claimed)
    if not claimed:
        return result
    reminders = (
        Reminder.objects.filter(id__in=claimed)
        .select_related(
            "recipient",
            "pairing__resident__house",
            "pairing__mentor__user",
            "training_record__course",
            "training_record__mentor",
            "contact__pairing__resident__house",
            "contact__pairing__mentor__user",
        )
        .order_by("due_at", "id")
    )
    # (recipient, urgent?) -> rows: one digest per recipient, urgent alerts apart.
    groups: dict[tuple[int, bool], list[Reminder]] = defaultdict(list)
    obsolete, deferred = [], defaultdict(list)
    for reminder in reminders:
        if _is_obsolete(reminder):
            obsolete.append(reminder.id)
            continue
        if reminder.kind != Kind.URGENT_CONCERN:
            send_after = quiet_hours_send_after(now, _time_zone_of(reminder))
            if send_after > now:
                deferred[send_after].append(reminder.id)
                continue
        groups[(reminder.recipient_id, reminder.kind == Kind.URGENT_CONCERN)].append(reminder)
    if obsolete:
        # The mentee was seen (or the pairing stopped): nothing is owed for that due time.
        Reminder.objects.filter(id__in=obsolete, sent_at__isnull=True).delete()
        result.dropped = len(obsolete)
    for send_after, ids in deferred.items():
        Reminder.objects.filter(id__in=ids).update(send_after=send_after, claimed_until=None)
        result.deferred += len(ids)

    # Urgent alerts first.
    for (_recipient_id, _urgent), group in sorted(groups.items(), key=lambda kv: not kv[0][1]):
        ids = [reminder.id for reminder in group]
        try:
            build_email(group[0].recipient, group, now).send()
        except Exception as exc:  # noqa: BLE001 - any mail failure is recorded and retried
            error = _describe(exc)
            failed, gave_up = _record_failure(group, error, now)
            result.failed += failed
            result.gave_up += gave_up
            result.errors.append(error)
            logger.warning("reminder email failed (%d reminders): %s", len(ids), type(exc).__name__)
            continue
        Reminder.objects.filter(id__in=ids).update(
            sent_at=now, claimed_until=None, attempts=F("attempts") + 1
        )
        result.emails += 1
        result.sent += len(ids)
    logger.info(
        "reminders: %d emails for %d reminders, %d failed, %d gave up, %d deferred, %d dropped",
        result.emails,
        result.sent,
        result.failed,
        result.gave_up,
        result.deferred,
        result.dropped,
    )
    return result


def send_all_due(*, budget: dt.timedelta = SEND_BUDGET) -> SendResult:
    """Sends batch after batch until nothing is due or the time budget is spent."""
    deadline = time.monotonic() + budget.total_seconds()
    total = SendResult()
    while True:
        batch = send_due_reminders()
        for name in ("claimed", "emails", "sent", "failed", "gave_up", "deferred", "dropped"):
            setattr(total, name, getattr(total, name) + getattr(batch, name))
        total.errors += batch.errors
        if batch.claimed < SEND_BATCH or time.monotonic() > deadline:
            return total
