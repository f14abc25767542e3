"""The sender that empties the reminder outbox (scan.py fills it; docs/reminders.md).

The healthchecks pattern: the sender claims each row with a compare-and-set UPDATE
(Reminder.objects.claim), so only one process ever sends it, and records failures for a later
retry. Everything lives in the database, so nothing is lost while Redis or the mail server is
down. Also here: quiet hours (when a row may go) and enqueue_send (asking a worker to send now).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import time
import uuid
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends import filebased
from django.db import transaction
from django.utils import timezone

from activity_log.feedback import texting as resident_texts
from activity_log.models import Reminder
from activity_log.reminders.emails import _item, build_email
from activity_log.reminders.texts import build_text
from matching.models import Pairing
from mentoring_site import audit, sms
from mentoring_site.celery import app as celery_app
from mentoring_site.sms.preferences import text_numbers
from mentoring_site.tasks import enqueue
from mentors.models import Mentor
from residents.models import House, house_zone, zone_or_program

logger = logging.getLogger(__name__)

SEND_BATCH = 500
# The send task's soft time limit is 120 s: stop starting emails well before it.
SEND_BUDGET = dt.timedelta(seconds=60)

Kind = Reminder.Kind
EMAIL, SMS = Reminder.Channel.EMAIL, Reminder.Channel.SMS
PAIRING_KINDS = (Kind.MENTOR_OVERDUE, Kind.MANAGER_ESCALATION)
# The Celery task that runs send_all_due (activity_log/tasks.py).
SEND_TASK = "activity_log.tasks.send_reminders"


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
    # By name: activity_log.tasks calls this module, never the other way round.
    return enqueue(celery_app.tasks[SEND_TASK])


# --- Send --------------------------------------------------------------------------------------


@dataclass
class SendResult:
    claimed: int = 0
    emails: int = 0
    texts: int = 0
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
        for name in (
            "claimed",
            "emails",
            "texts",
            "sent",
            "failed",
            "gave_up",
            "deferred",
            "dropped",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.released += other.released
        self.errors += other.errors


def _claim(reminder_ids: list[int], now: dt.datetime, token: uuid.UUID | None = None) -> list[int]:
    """Claims what it can of `reminder_ids` for one lease; returns only the rows this run won."""
    return Reminder.objects.claim(
        reminder_ids, now=now, lease=claim_lease(), token=token or uuid.uuid4()
    )


def _house_of(reminder: Reminder) -> House | None:
    if reminder.resident_id:
        return reminder.resident.house
    if reminder.pairing_id:
        return reminder.pairing.resident.house
    if reminder.contact_id:
        return reminder.contact.pairing.resident.house
    if reminder.group_session_id:
        return reminder.group_session.house  # None for a program-wide session
    return None


def _zone_of(reminder: Reminder) -> zoneinfo.ZoneInfo:
    house = _house_of(reminder)
    return house_zone(house)


def _is_obsolete(reminder: Reminder) -> bool:
    """A pairing reminder whose due time passed away: contact logged, paused or ended."""
    if reminder.kind in PAIRING_KINDS:
        pairing = reminder.pairing
        return pairing.status != Pairing.Status.ACTIVE or pairing.next_due_at != reminder.due_at
    if reminder.kind == Kind.TRAINING_EXPIRING:
        return reminder.training_record.mentor.status != Mentor.Status.ACTIVE
    if reminder.kind == Kind.FOLLOW_UP:
        # Ticked done, or the relationship is over (the follow-up left My mentees too).
        contact = reminder.contact
        return contact.follow_up_done_at is not None or not contact.pairing.is_current
    if reminder.kind == Kind.NEW_MENTEE:
        return reminder.pairing.status == Pairing.Status.ENDED
    if reminder.kind == Kind.MENTOR_AWAY:
        return reminder.pairing.pause_reason != Pairing.PauseReason.MENTOR_AWAY
    if reminder.kind == Kind.ATTENDANCE_NOT_TAKEN:
        session = reminder.group_session
        return session.attendance_taken_at is not None or session.is_cancelled
    if reminder.kind in resident_texts.RESIDENT_LINK_KINDS:
        # Left the house, consent ended, the number replied STOP, or the feedback was given.
        return resident_texts.is_obsolete(reminder)
    return False


_EMAIL_ADDRESS = re.compile(r"\S+@\S+")
_PHONE_NUMBER = re.compile(r"\+?\d[\d ().-]{5,}\d")


def _describe(exc: Exception) -> str:
    """Exception class and a short message, with any email address or phone number removed."""
    message = _PHONE_NUMBER.sub("<number>", _EMAIL_ADDRESS.sub("<address>", str(exc)))[:200]
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


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
        marked = Reminder.objects.mark_sent(ids, token, now)
        # The email went whoever holds the rows now: the disclosure happened either way.
        audit.record_emails(
            recipient_id=group[0].recipient_id,
            reminders_by_resident=_disclosed_residents(group),
            via="texted" if group[0].channel == SMS else "emailed",
        )
    if marked < len(ids):
        logger.warning(
            "reminder message sent after its claim was lost (%d of %d rows marked); "
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


class _Texter:
    """One SMS backend instance for a batch (mentoring_site/sms), made when the first text goes."""

    def __init__(self) -> None:
        self.backend = None

    def send(self, to: str, body: str) -> None:
        if self.backend is None:
            self.backend = sms.get_backend()
        self.backend.send(sms.TextMessage(to=to, body=body))


def _prepare(
    reminders, now: dt.datetime, numbers: dict[int, str]
) -> tuple[dict, list[int], dict[dt.datetime, list[int]], dict[int | None, list], list]:
    """Sorts claimed rows into messages, obsolete rows, rows deferred by quiet hours, rows that
    fail to prepare (by house id), each row on its own so one bad house spoils nothing, and
    text rows whose recipient can no longer be texted (`numbers`: who can)."""
    # (recipient, urgent?, channel, resident row) -> rows: one digest per recipient and channel,
    # urgent alerts apart, each link to a resident on its own.
    groups: dict[tuple[int, bool, str, int], list[Reminder]] = defaultdict(list)
    obsolete, deferred, broken, untextable = [], defaultdict(list), defaultdict(list), []
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
            # Texts wait out quiet hours exactly as emails do; urgent alerts go at once.
            if reminder.kind != Kind.URGENT_CONCERN:
                send_after = quiet_hours_send_after(now, _zone_of(reminder))
                if send_after > now:
                    deferred[send_after].append(reminder.id)
                    continue
            if reminder.resident_id:
                # A link to a resident: made and checked as it is sent (feedback/texts.py).
                groups[(reminder.recipient_id, False, SMS, reminder.id)].append(reminder)
                continue
            if reminder.channel == SMS and reminder.recipient_id not in numbers:
                # Verified no more, or the number replied STOP: this one goes by email.
                untextable.append(reminder)
                continue
            # What the message will say about this row: a row that cannot be rendered fails on
            # its own instead of failing every other row of its recipient's message.
            _item(reminder, now)
        except SoftTimeLimitExceeded:
            raise  # the time is up, not this row's fault: the caller releases the claim
        except Exception as exc:  # noqa: BLE001 - recorded on the row, retried, then failed
            broken[house.pk if house is not None else None].append((reminder, exc))
            continue
        key = (reminder.recipient_id, reminder.kind == Kind.URGENT_CONCERN, reminder.channel, 0)
        groups[key].append(reminder)
    for house_id in sorted(unknown_zones):
        logger.warning(
            "house %s has an unknown time zone; its reminders use the program time zone",
            house_id,
        )
    return groups, obsolete, deferred, broken, untextable


def _to_email(rows: list[Reminder], token: uuid.UUID) -> int:
    """Text rows for someone who can no longer be texted become email rows, released for the
    next run; where the same reminder already has an email row, the text row is dropped."""
    moved = 0
    for row in rows:
        twin = Reminder.objects.filter(
            kind=row.kind,
            subject_key=row.subject_key,
            due_at=row.due_at,
            recipient_id=row.recipient_id,
            channel=EMAIL,
        )
        if twin.exists():
            Reminder.objects.held([row.id], token).delete()
        else:
            moved += Reminder.objects.held([row.id], token).update(
                channel=EMAIL, claimed_until=None, claim_token=None
            )
    return moved


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

    Three steps: select the ready rows, claim them, sort the claimed rows into emails (settling
    the rows that send nothing now), send the emails.
    """
    now = now or timezone.now()
    result = SendResult()
    candidates = _select(now, batch or SEND_BATCH)
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
    mailer, texter = _Mailer(), _Texter()
    try:
        messages, numbers = _sort(claimed, token, now, pending, result)
        _send(messages, numbers, token, now, stop_at, pending, mailer, texter, result)
    finally:
        mailer.close()
        if pending:
            # Stopped at the deadline, or interrupted (a soft time limit, a worker shutting
            # down): give the rows back now rather than when the lease runs out. An email that
            # was on the wire goes again (at-least-once at the SMTP boundary; same Message-ID).
            try:
                result.released = Reminder.objects.release(pending, token)
            except Exception:  # noqa: BLE001 - the lease frees them anyway
                logger.warning("could not release %d claimed reminders", len(pending))
    logger.info(
        "reminders: %d emails and %d texts for %d reminders, %d failed, %d gave up, "
        "%d deferred, %d dropped, %d released",
        result.emails,
        result.texts,
        result.sent,
        result.failed,
        result.gave_up,
        result.deferred,
        result.dropped,
        result.released,
    )
    return result


def _select(now: dt.datetime, batch: int) -> list[int]:
    """Ids of up to `batch` ready rows, oldest first (reminder_unsent_idx).

    A full batch may end part-way through a recipient's rows: the rest of theirs come too, so
    nobody gets a second email from the next batch.
    """
    ready = Reminder.objects.ready(now)
    rows = list(ready.order_by("send_after", "id").values_list("id", "recipient_id")[:batch])
    candidates = [row[0] for row in rows]
    if len(rows) == batch:
        recipients = sorted({row[1] for row in rows})
        candidates += (
            ready.filter(recipient_id__in=recipients)
            .exclude(id__in=candidates)
            .order_by()
            .values_list("id", flat=True)
        )
    return candidates


def _sort(
    claimed: list[int],
    token: uuid.UUID,
    now: dt.datetime,
    pending: set[int],
    result: SendResult,
) -> tuple[dict[tuple[int, bool, str, int], list[Reminder]], dict[int, str]]:
    """Loads the claimed rows and returns the messages to send now, (recipient, urgent?,
    channel, resident row) -> rows, and the numbers to text (user id -> E.164); text rows for
    someone who can no longer be texted become email rows.

    The other rows are settled here: obsolete ones deleted, those in quiet hours given back with
    a later send_after, those that cannot be prepared recorded as failed (once per house).
    """
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
            "group_session__house",
            "resident__house",
            "feedback_request__pairing__mentor__user",
        )
        .order_by("due_at", "id")
    )
    reminders = list(reminders)
    texting = {r.recipient_id for r in reminders if r.channel == SMS and not r.resident_id}
    numbers = text_numbers(texting) if texting else {}
    groups, obsolete, deferred, broken, untextable = _prepare(reminders, now, numbers)
    if untextable:
        _to_email(untextable, token)
        pending.difference_update(reminder.id for reminder in untextable)
    if obsolete:
        # The mentee was seen (or the pairing stopped): nothing is owed for that due time.
        Reminder.objects.held(obsolete, token).delete()
        result.dropped = len(obsolete)
        pending.difference_update(obsolete)
    for send_after, ids in deferred.items():
        Reminder.objects.held(ids, token).update(send_after=send_after, claimed_until=None)
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
        failed, gave_up = Reminder.objects.mark_failed(rows, error=error, now=now, token=token)
        result.failed += failed
        result.gave_up += gave_up
        result.errors.append(error)
        pending.difference_update(reminder.id for reminder in rows)
    return groups, numbers


def _send(
    messages: dict[tuple[int, bool, str, int], list[Reminder]],
    numbers: dict[int, str],
    token: uuid.UUID,
    now: dt.datetime,
    stop_at: float,
    pending: set[int],
    mailer: _Mailer,
    texter: _Texter,
    result: SendResult,
) -> None:
    """Sends one message per group, urgent alerts first, until `stop_at`. Each group is one
    message on one channel: an email's success or failure never touches the text of the same
    reminder, and the other way round."""
    for (recipient_id, _urgent, channel, resident_row), group in sorted(
        messages.items(), key=lambda kv: not kv[0][1]
    ):
        if time.monotonic() >= stop_at:
            result.stopped = True
            return
        ids = [reminder.id for reminder in group]
        try:
            if resident_row:
                texter.send(*resident_texts.build_text(group[0]))
            elif channel == SMS:
                texter.send(numbers[recipient_id], build_text(group[0].recipient, group, now))
            else:
                mailer.send(build_email(group[0].recipient, group, now))
        except SoftTimeLimitExceeded:
            # Not the message's fault: the finally in send_due_reminders releases the rows.
            raise
        except Exception as exc:  # noqa: BLE001 - any send failure is recorded and retried
            if channel == EMAIL:
                mailer.close()
            error = _describe(exc)
            failed, gave_up = Reminder.objects.mark_failed(group, error=error, now=now, token=token)
            pending.difference_update(ids)
            result.failed += failed
            result.gave_up += gave_up
            result.errors.append(error)
            logger.warning(
                "reminder %s failed (%d reminders): %s", channel, len(ids), type(exc).__name__
            )
            continue
        _mark_sent(group, token, now)
        pending.difference_update(ids)
        if channel == SMS:
            result.texts += 1
        else:
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
