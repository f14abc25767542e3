"""ReminderQuerySet: the outbox's states and the sender's compare-and-set writes, in one place
(the scan's "anything waiting?", the sender's selection and its claim all use them)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from activity_log.models import Reminder
from tests.activity_log.test_send_reminders import NOW, overdue_reminder

pytestmark = pytest.mark.django_db

LEASE = dt.timedelta(minutes=5)
MINUTE = dt.timedelta(minutes=1)


def ready_ids() -> set[int]:
    return set(Reminder.objects.ready(NOW).values_list("id", flat=True))


def test_ready_is_unsent_not_given_up_past_send_after_and_not_held():
    ready = overdue_reminder()
    sent = overdue_reminder()
    given_up = overdue_reminder()
    later = overdue_reminder()
    held = overdue_reminder()
    lapsed = overdue_reminder()
    Reminder.objects.filter(pk=sent.pk).update(sent_at=NOW - MINUTE)
    Reminder.objects.filter(pk=given_up.pk).update(failed_at=NOW - MINUTE)
    Reminder.objects.filter(pk=later.pk).update(send_after=NOW + MINUTE)
    Reminder.objects.filter(pk=held.pk).update(claimed_until=NOW + MINUTE)
    Reminder.objects.filter(pk=lapsed.pk).update(claimed_until=NOW - MINUTE)
    assert ready_ids() == {ready.pk, lapsed.pk}


def test_a_claim_wins_only_free_rows_and_later_writes_need_its_token():
    first, second = overdue_reminder(), overdue_reminder()
    ours, theirs = uuid.uuid4(), uuid.uuid4()
    assert Reminder.objects.claim([first.pk], now=NOW, lease=LEASE, token=theirs) == [first.pk]
    won = Reminder.objects.claim([first.pk, second.pk], now=NOW, lease=LEASE, token=ours)
    assert won == [second.pk]
    assert ready_ids() == set()
    # A write with a claim that does not hold the row changes nothing.
    assert Reminder.objects.mark_sent([first.pk], ours, NOW) == 0
    assert Reminder.objects.mark_sent([second.pk], ours, NOW) == 1
    second.refresh_from_db()
    assert (second.sent_at, second.claimed_until, second.attempts) == (NOW, None, 1)
    # Once the lease runs out, another sender may claim the row.
    later = NOW + LEASE + MINUTE
    assert Reminder.objects.claim([first.pk], now=later, lease=LEASE, token=ours) == [first.pk]
    assert Reminder.objects.release([first.pk], theirs) == 0
    assert Reminder.objects.release([first.pk], ours) == 1
    assert set(Reminder.objects.ready(later).values_list("id", flat=True)) == {first.pk}


def test_mark_failed_backs_off_then_gives_up(settings):
    fresh, old = overdue_reminder(), overdue_reminder()
    Reminder.objects.filter(pk=old.pk).update(send_after=NOW - settings.REMINDER_GIVE_UP)
    token = uuid.uuid4()
    Reminder.objects.claim([fresh.pk, old.pk], now=NOW, lease=LEASE, token=token)
    rows = list(Reminder.objects.filter(pk__in=[fresh.pk, old.pk]).order_by("pk"))
    assert Reminder.objects.mark_failed(rows, error="SMTPError", now=NOW, token=token) == (1, 1)
    fresh.refresh_from_db()
    old.refresh_from_db()
    assert (fresh.attempts, fresh.last_error, fresh.claimed_until) == (1, "SMTPError", NOW + MINUTE)
    assert (old.failed_at, old.claimed_until) == (NOW, None)
    # Without the claim's token the rows are not touched.
    other = list(Reminder.objects.filter(pk=fresh.pk))
    Reminder.objects.mark_failed(other, error="x", now=NOW, token=uuid.uuid4())
    fresh.refresh_from_db()
    assert fresh.attempts == 1
