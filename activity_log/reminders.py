"""Overdue check-in reminders: the scan that fills the outbox and the sender that empties it.

The healthchecks pattern (docs/reminders.md): the scan finds due rows through partial indexes and
writes Reminder rows whose unique constraint makes a second scan harmless; the sender claims each
row with a compare-and-set UPDATE, so only one process ever sends it, and records failures for a
later retry. Everything lives in the database, so nothing is lost while Redis or the mail server
is down.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import re
import time
import uuid
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from email.utils import parseaddr

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends import filebased
from django.db import router, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from activity_log.groups import selectors as group_selectors
from activity_log.models import Reminder
from matching.models import Pairing
from mentoring_site import audit
from mentoring_site.tasks import enqueue
from mentors.models import Mentor, TrainingRecord
from residents.models import House, Resident, time_zone_is_known, zone_or_program

logger = logging.getLogger(__name__)

SEND_BATCH = 500
# The send task's soft time limit is 120 s: stop starting emails well before it.
SEND_BUDGET = dt.timedelta(seconds=60)
INSERT_BATCH = 2000
# IN lists of at most this many ids (PostgreSQL allows 65,535 parameters per query).
ID_CHUNK = 10_000
TRAINING_NOTICE_DAYS = 30
MAX_BACKOFF = dt.timedelta(hours=2)

Kind = Reminder.Kind
PAIRING_KINDS = (Kind.MENTOR_OVERDUE, Kind.MANAGER_ESCALATION)
# The sections of a recipient's digest email, in this order. Urgent concerns are never in it:
# they go at once, day or night, in an email of their own.
DIGEST_KINDS = (Kind.MENTOR_OVERDUE, Kind.MANAGER_ESCALATION, Kind.TRAINING_EXPIRING)


# --- Quiet hours -------------------------------------------------------------------------------


def claim_lease() -> dt.timedelta:
    """How long a claim holds (REMINDER_CLAIM_LEASE_SECONDS); a sender stops at half of it."""
    return settings.REMINDER_CLAIM_LEASE


def quiet_hours_send_after(now: dt.datetime, time_zone: str | zoneinfo.ZoneInfo) -> dt.datetime:
    """`now`, or the next end of quiet hours (08:00 local) when `now` falls inside them."""
    tz = time_zone if isinstance(time_zone, zoneinfo.ZoneInfo) else zone_or_program(time_zone)
    local = now.astimezone(tz)
    start, end = settings.QUIET_HOURS_START, settings.QUIET_HOURS_END
    if end <= local.hour < start:
        return now
    day = local.date() if local.hour < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(end), tzinfo=tz)


# --- Enqueueing --------------------------------------------------------------------------------


def enqueue_send() -> bool:
    """Asks a worker to send due reminders; never raises (use with transaction.on_commit).

    When the broker is down or frozen the request still succeeds, within REDIS_TIMEOUT_SECONDS:
    the rows are in the database and the next scan (or beat's send run) picks them up.
    """
    from activity_log.tasks import send_reminders  # tasks import this module

    return enqueue(send_reminders)


# --- Scan --------------------------------------------------------------------------------------


@dataclass
class ScanResult:
    """New Reminder rows written by one scan, by kind."""

    mentor_overdue: int = 0
    manager_escalation: int = 0
    training_expiring: int = 0
    # Houses whose reminders could not be built this run (logged by id; the others went on).
    skipped_houses: list[int] = field(default_factory=list)

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


def _pairing_reminders(now: dt.datetime) -> tuple[list[Reminder], list[Reminder], list[int]]:
    """Mentor reminders past grace and manager escalations past the escalation delay.

    Five primary-key or foreign-key lookups by the due pairings' ids (one each up to ID_CHUNK
    due pairings), instead of joins the planner would answer with scans of whole tables.
    Built house by house: a house whose rows fail is logged by id and skipped (third value),
    the others are written.
    """
    grace_cutoff = now - settings.REMINDER_GRACE
    escalation_cutoff = now - settings.ESCALATION_DELAY
    due = list(
        _overdue_pairings(max(grace_cutoff, escalation_cutoff)).values_list(
            "id", "next_due_at", "mentor_id", "resident_id"
        )
    )
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
            for pairing_id, due_at, mentor_id, _resident_id in house_due:
                user_id = mentor_users[mentor_id]
                if (
                    due_at < grace_cutoff
                    and (Kind.MENTOR_OVERDUE, pairing_id, due_at, user_id) not in written
                ):
                    house_mentor_rows.append(
                        reminder(Kind.MENTOR_OVERDUE, pairing_id, due_at, user_id, after)
                    )
                if due_at < escalation_cutoff:
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


def _waiting(now: dt.datetime) -> bool:
    """Any reminder ready to go and not being sent right now (reminder_unsent_idx)."""
    return (
        Reminder.objects.filter(sent_at__isnull=True, failed_at__isnull=True, send_after__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .exists()
    )


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
    rows = mentor_rows + manager_rows + training_rows
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
        skipped_houses=skipped,
    )
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
    # Claimed rows given back unsent: the run stopped at its deadline (half the lease, or the
    # task's time budget) or was interrupted; the next run takes them.
    released: int = 0
    stopped: bool = False
    # Another sender won some of the rows this run picked: more may be ready behind them.
    contended: bool = False
    errors: list[str] = field(default_factory=list)

    def add(self, other: SendResult) -> None:
        for name in ("claimed", "emails", "sent", "failed", "gave_up", "deferred", "dropped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.released += other.released
        self.errors += other.errors


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 ... minutes after the n-th failure, at most two hours."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _claim(reminder_ids: list[int], now: dt.datetime, token: uuid.UUID | None = None) -> list[int]:
    """Compare-and-set on the whole batch; returns only the rows this run won.

    The UPDATE re-checks `sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < now)`
    row by row, so a row another sender claimed meanwhile is skipped; the token marks ours.
    """
    token = token or uuid.uuid4()
    Reminder.objects.filter(
        id__in=reminder_ids, sent_at__isnull=True, failed_at__isnull=True
    ).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)).update(
        claimed_until=now + claim_lease(), claim_token=token
    )
    return list(
        Reminder.objects.filter(id__in=reminder_ids, claim_token=token)
        .order_by()
        .values_list("id", flat=True)
    )


def _ours(ids, token: uuid.UUID):
    """Rows of `ids` this run still holds: every write after the claim goes through this, so a
    sender whose lease ran out (and whose rows another sender claimed) changes nothing."""
    return Reminder.objects.filter(id__in=ids, claim_token=token, sent_at__isnull=True)


def _release(ids, token: uuid.UUID) -> int:
    return _ours(ids, token).update(claimed_until=None, claim_token=None)


def _house_of(reminder: Reminder) -> House | None:
    if reminder.pairing_id:
        return reminder.pairing.resident.house
    if reminder.contact_id:
        return reminder.contact.pairing.resident.house
    return None


def _zone_of(reminder: Reminder) -> zoneinfo.ZoneInfo:
    house = _house_of(reminder)
    return house.zone if house is not None else zoneinfo.ZoneInfo(settings.TIME_ZONE)


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
    tz = resident.house.zone
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
    message = EmailMultiAlternatives(
        subject,
        text,
        to=[recipient.email],
        headers={"Message-ID": message_id([reminder.id for reminder in reminders])},
    )
    message.attach_alternative(html, "text/html")
    return message


def message_id(reminder_ids: list[int]) -> str:
    """The same for the same reminders, so a rare second delivery of an email is recognisable."""
    digest = hashlib.sha256(",".join(map(str, sorted(reminder_ids))).encode()).hexdigest()[:32]
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<reminders-{digest}@{domain}>"


_EMAIL_ADDRESS = re.compile(r"\S+@\S+")


def _describe(exc: Exception) -> str:
    """Exception class and a short message, with any email address removed."""
    message = _EMAIL_ADDRESS.sub("<address>", str(exc))[:200]
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _record_failure(
    reminders: list[Reminder], error: str, now: dt.datetime, token: uuid.UUID | None = None
) -> tuple[int, int]:
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
        rows = Reminder.objects.filter(id=reminder.id)
        if token is not None:
            rows = rows.filter(claim_token=token)
        rows.update(attempts=attempts, last_error=error, **changes)
    return failed, gave_up


def _disclosed_residents(reminders: list[Reminder]) -> dict[int, int]:
    """Resident id -> the first reminder naming them in this email (training names nobody)."""
    named: dict[int, int] = {}
    for reminder in reminders:
        pairing = reminder.contact.pairing if reminder.contact_id else reminder.pairing
        if pairing is not None:
            named.setdefault(pairing.resident_id, reminder.id)
    return named


def _mark_sent(group: list[Reminder], token: uuid.UUID, now: dt.datetime) -> int:
    """Sets sent_at only on rows still ours (compare-and-set on the claim token), and records
    who was told about which resident (one audit row per resident, issue 13)."""
    ids = [reminder.id for reminder in group]
    with transaction.atomic():
        marked = _ours(ids, token).update(
            sent_at=now, claimed_until=None, attempts=F("attempts") + 1
        )
        # The email went whoever holds the rows now: the disclosure happened either way.
        audit.record_emails(
            recipient_id=group[0].recipient_id,
            reminders_by_resident=_disclosed_residents(group),
        )
    if marked < len(ids):
        logger.warning(
            "reminder email sent after its claim was lost (%d of %d rows marked); "
            "another sender may send it again",
            marked,
            len(ids),
        )
    return marked


class _Mailer:
    """One mail connection for a batch, reopened after a failure.

    SMTP opened a connection (and a TLS handshake) per email before. The file backend gets a
    new instance per email: one instance writes everything it sends into one file.
    """

    def __init__(self) -> None:
        self.connection = None

    def send(self, message) -> None:
        if self.connection is None:
            connection = get_connection()
            if isinstance(connection, filebased.EmailBackend):
                connection.send_messages([message])
                return
            connection.open()
            self.connection = connection
        self.connection.send_messages([message])

    def close(self) -> None:
        if self.connection is not None:
            # A connection that failed is dropped whatever closing it says.
            with contextlib.suppress(Exception):
                self.connection.close()
            self.connection = None


def _prepare(
    reminders, now: dt.datetime
) -> tuple[dict, list[int], dict[dt.datetime, list[int]], dict[int | None, list]]:
    """Sorts claimed rows into emails, obsolete rows, rows deferred by quiet hours, and rows
    that fail to prepare (by house id), each row on its own so one bad house spoils nothing."""
    # (recipient, urgent?) -> rows: one digest per recipient, urgent alerts apart.
    groups: dict[tuple[int, bool], list[Reminder]] = defaultdict(list)
    obsolete, deferred, broken = [], defaultdict(list), defaultdict(list)
    unknown_zones: set[int] = set()
    for reminder in reminders:
        house = None
        try:
            house = _house_of(reminder)
            if house is not None and not house.zone_is_known:
                unknown_zones.add(house.pk)
            if _is_obsolete(reminder):
                obsolete.append(reminder.id)
                continue
            if reminder.kind != Kind.URGENT_CONCERN:
                send_after = quiet_hours_send_after(now, _zone_of(reminder))
                if send_after > now:
                    deferred[send_after].append(reminder.id)
                    continue
            # What the email will say about this row: a row that cannot be rendered fails on
            # its own instead of failing every other row of its recipient's email.
            _item(reminder, now)
        except SoftTimeLimitExceeded:
            raise  # the time is up, not this row's fault: the caller releases the claim
        except Exception as exc:  # noqa: BLE001 - recorded on the row, retried, then failed
            broken[house.pk if house is not None else None].append((reminder, exc))
            continue
        groups[(reminder.recipient_id, reminder.kind == Kind.URGENT_CONCERN)].append(reminder)
    for house_id in sorted(unknown_zones):
        logger.warning(
            "house %s has an unknown time zone; its reminders use the program time zone",
            house_id,
        )
    return groups, obsolete, deferred, broken


def send_due_reminders(
    now: dt.datetime | None = None,
    *,
    batch: int | None = None,
    deadline: float | None = None,
) -> SendResult:
    """Claims due reminders and sends each recipient one digest email with every kind in it.

    Urgent concerns go in an email of their own (at once, even in quiet hours). The rows of one
    email are sent, or fail and are retried, together. No email starts after half the claim's
    lease (or after `deadline`, a time.monotonic() value): what is left is released, so a batch
    never outlives its claim and no other sender can take rows this one is still sending.
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
    if not candidates:
        return result
    token = uuid.uuid4()
    claimed = _claim(candidates, now, token)
    stop_at = time.monotonic() + claim_lease().total_seconds() / 2
    if deadline is not None:
        stop_at = min(stop_at, deadline)
    result.claimed = len(claimed)
    result.contended = len(claimed) < len(candidates)
    if not claimed:
        return result
    pending = set(claimed)
    mailer = _Mailer()
    try:
        _send_claimed(claimed, token, now, stop_at, pending, mailer, result)
    finally:
        mailer.close()
        if pending:
            # Stopped at the deadline, or interrupted (a soft time limit, a worker shutting
            # down): give the rows back now rather than when the lease runs out. An email that
            # was on the wire goes again (at-least-once at the SMTP boundary; same Message-ID).
            try:
                result.released = _release(pending, token)
            except Exception:  # noqa: BLE001 - the lease frees them anyway
                logger.warning("could not release %d claimed reminders", len(pending))
    logger.info(
        "reminders: %d emails for %d reminders, %d failed, %d gave up, %d deferred, "
        "%d dropped, %d released",
        result.emails,
        result.sent,
        result.failed,
        result.gave_up,
        result.deferred,
        result.dropped,
        result.released,
    )
    return result


def _send_claimed(
    claimed: list[int],
    token: uuid.UUID,
    now: dt.datetime,
    stop_at: float,
    pending: set[int],
    mailer: _Mailer,
    result: SendResult,
) -> None:
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
    groups, obsolete, deferred, broken = _prepare(reminders, now)
    if obsolete:
        # The mentee was seen (or the pairing stopped): nothing is owed for that due time.
        _ours(obsolete, token).delete()
        result.dropped = len(obsolete)
        pending.difference_update(obsolete)
    for send_after, ids in deferred.items():
        _ours(ids, token).update(send_after=send_after, claimed_until=None)
        result.deferred += len(ids)
        pending.difference_update(ids)
    for house_id, failures in broken.items():
        # Once per house and run, by id: the rows back off and are marked failed after
        # REMINDER_GIVE_UP like any failed send (admin, dashboard "reminders failing").
        error = _describe(failures[0][1])
        logger.error(
            "reminders for house %s could not be prepared (%d rows): %s",
            house_id if house_id is not None else "-",
            len(failures),
            type(failures[0][1]).__name__,
        )
        rows = [reminder for reminder, _exc in failures]
        failed, gave_up = _record_failure(rows, error, now, token)
        result.failed += failed
        result.gave_up += gave_up
        result.errors.append(error)
        pending.difference_update(reminder.id for reminder in rows)

    # Urgent alerts first.
    for (_recipient_id, _urgent), group in sorted(groups.items(), key=lambda kv: not kv[0][1]):
        if time.monotonic() >= stop_at:
            result.stopped = True
            return
        ids = [reminder.id for reminder in group]
        try:
            mailer.send(build_email(group[0].recipient, group, now))
        except SoftTimeLimitExceeded:
            # Not the message's fault: the finally in send_due_reminders releases the rows.
            raise
        except Exception as exc:  # noqa: BLE001 - any mail failure is recorded and retried
            mailer.close()
            error = _describe(exc)
            failed, gave_up = _record_failure(group, error, now, token)
            pending.difference_update(ids)
            result.failed += failed
            result.gave_up += gave_up
            result.errors.append(error)
            logger.warning("reminder email failed (%d reminders): %s", len(ids), type(exc).__name__)
            continue
        _mark_sent(group, token, now)
        pending.difference_update(ids)
        result.emails += 1
        result.sent += len(ids)


def send_all_due(*, budget: dt.timedelta = SEND_BUDGET, batch: int | None = None) -> SendResult:
    """Sends batch after batch until nothing is due or the time budget is spent.

    Every batch stops starting emails at its own deadline (half the claim lease) and at the
    budget's; rows it did not reach are released and the next batch claims them afresh.
    """
    size = batch or SEND_BATCH
    deadline = time.monotonic() + budget.total_seconds()
    total = SendResult()
    while True:
        result = send_due_reminders(batch=size, deadline=deadline)
        total.add(result)
        if time.monotonic() >= deadline:
            total.stopped = result.stopped or bool(result.claimed)
            return total
        if result.claimed < size and not (result.stopped or result.contended):
            return total
