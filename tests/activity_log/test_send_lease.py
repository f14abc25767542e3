"""A batch never outlives its claim (issue 14, fault 4; docs/reliability.md).

The sender stops starting emails at half the claim lease (REMINDER_CLAIM_LEASE_SECONDS) and
gives back what it did not reach; it marks rows sent only while its claim token is still on
them; a Celery soft time limit releases the claim instead of counting as a failed send; each
email has a stable Message-ID and names no one without an audit row.
"""

from __future__ import annotations

import datetime as dt
import logging
import runpy
import time
import uuid

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.mail.backends import locmem

from activity_log.models import Reminder
from activity_log.reminders.emails import message_id
from activity_log.reminders.send import _claim, claim_lease, send_all_due, send_due_reminders
from activity_log.tasks import scan_overdue_task, send_reminders
from matching.models import Pairing
from mentoring_site.models import AuditEvent
from tests import factories as f
from tests.activity_log.smtp_support import SlowSMTPServer

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York
HERE = "tests.activity_log.test_send_lease"


class SlowBackend(locmem.EmailBackend):
    """The locmem outbox, 0.5 s per message, like a slow mail server."""

    def send_messages(self, messages):
        time.sleep(0.5)
        return super().send_messages(messages)


class ClaimTakenBackend(locmem.EmailBackend):
    """While the email is on the wire, the lease runs out and another sender claims the rows."""

    def send_messages(self, messages):
        Reminder.objects.update(claim_token=uuid.uuid4(), claimed_until=NOW + dt.timedelta(hours=1))
        return super().send_messages(messages)


class SoftLimitBackend(locmem.EmailBackend):
    def send_messages(self, messages):
        raise SoftTimeLimitExceeded()


def overdue(mentor=None, *, resident=None) -> Reminder:
    pairing = f.PairingFactory(
        **({"mentor": mentor} if mentor else {}), **({"resident": resident} if resident else {})
    )
    Pairing.objects.filter(pk=pairing.pk).update(next_due_at=NOW - dt.timedelta(days=1))
    return Reminder.objects.create(
        kind="mentor_overdue",
        pairing=pairing,
        subject_key=f"pairing:{pairing.pk}",
        due_at=NOW - dt.timedelta(days=1),
        recipient=pairing.mentor.user,
        send_after=NOW - dt.timedelta(minutes=5),
    )


def test_a_batch_stops_at_half_the_lease_and_releases_the_rest(settings, mailoutbox, monkeypatch):
    settings.EMAIL_BACKEND = f"{HERE}.SlowBackend"
    settings.REMINDER_CLAIM_LEASE = dt.timedelta(seconds=4)
    monkeypatch.setattr("activity_log.reminders.send.timezone.now", lambda: NOW)
    rows = [overdue() for _ in range(10)]

    first = send_due_reminders(NOW)

    # 2 s from the claim at 0.5 s an email: a few emails (fewer on a busy machine, where
    # loading the rows eats into the 2 s), then stop and give the rest back.
    assert first.stopped and first.emails <= 5
    assert first.released == 10 - first.emails
    released = Reminder.objects.filter(sent_at__isnull=True)
    assert released.count() == first.released
    assert set(released.values_list("claimed_until", "claim_token")) == {(None, None)}
    assert set(released.values_list("attempts", flat=True)) == {0}

    # The next batches take them; each reminder goes once.
    total = send_all_due()
    assert first.emails + total.emails == 10
    assert sorted(m.to[0] for m in mailoutbox) == sorted(r.recipient.email for r in rows)


def test_the_claim_lease_is_a_setting(settings):
    settings.REMINDER_CLAIM_LEASE = dt.timedelta(seconds=42)
    reminder = overdue()
    assert _claim([reminder.pk], NOW) == [reminder.pk]
    reminder.refresh_from_db()
    assert reminder.claimed_until == NOW + dt.timedelta(seconds=42)


def test_a_sender_whose_claim_was_taken_cannot_mark_the_rows_sent(settings, caplog):
    settings.EMAIL_BACKEND = f"{HERE}.ClaimTakenBackend"
    reminder = overdue()
    with caplog.at_level(logging.WARNING, logger="activity_log.reminders"):
        result = send_due_reminders(NOW)
    assert result.emails == 1
    reminder.refresh_from_db()
    # The other sender's claim stands; it decides what happens to the row.
    assert reminder.sent_at is None and reminder.claimed_until == NOW + dt.timedelta(hours=1)
    assert "claim was lost" in caplog.text


def test_a_soft_time_limit_releases_the_claim_and_is_not_a_failed_send(settings, monkeypatch):
    settings.EMAIL_BACKEND = f"{HERE}.SoftLimitBackend"
    # The task reads the clock itself: at 10:00 in New York, not in the house's quiet hours
    # (between 21:00 and 08:00 there the task deferred the row and this test failed at night).
    monkeypatch.setattr("activity_log.reminders.send.timezone.now", lambda: NOW)
    reminder = overdue()

    with pytest.raises(SoftTimeLimitExceeded):
        send_due_reminders(NOW)

    reminder.refresh_from_db()
    assert (reminder.attempts, reminder.last_error, reminder.failed_at) == (0, "", None)
    assert (reminder.claimed_until, reminder.claim_token, reminder.sent_at) == (None, None, None)
    # The Celery task ends quietly; the next run sends.
    assert send_reminders.apply().get() == {"stopped": True}


def test_each_email_has_a_message_id_made_from_its_reminders(settings, mailoutbox):
    settings.DEFAULT_FROM_EMAIL = "Peer Mentoring <noreply@mentoring.example.org>"
    mentor = f.ClearedMentorFactory()
    one, two = overdue(mentor), overdue(mentor)
    assert message_id([two.pk, one.pk]) == message_id([one.pk, two.pk])
    assert message_id([one.pk]) != message_id([one.pk, two.pk])

    send_due_reminders(NOW)

    assert mailoutbox[0].message()["Message-ID"] == message_id([one.pk, two.pk])
    assert mailoutbox[0].message()["Message-ID"].endswith("@mentoring.example.org>")


def test_a_batch_uses_one_smtp_connection(settings):
    with SlowSMTPServer(delay=0) as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        for _ in range(5):
            overdue()
        assert send_due_reminders(NOW).emails == 5
    assert (server.connections, len(server.messages)) == (1, 5)


def test_an_email_naming_residents_records_one_disclosure_per_resident(mailoutbox):
    mentor = f.ClearedMentorFactory()
    first, second = overdue(mentor), overdue(mentor)
    f.TrainingRecordFactory(mentor=mentor)

    send_due_reminders(NOW)

    events = AuditEvent.objects.filter(action="disclose").order_by("resident_id")
    assert [(e.resident_id, e.object_id, e.path, e.user_id) for e in events] == [
        (r.pairing.resident_id, str(r.pk), f"emailed to user {mentor.user_id}", None)
        for r in sorted([first, second], key=lambda r: r.pairing.resident_id)
    ]
    assert events[0].get_action_display() == "Disclosed"


def test_a_failed_email_records_no_disclosure(settings):
    settings.EMAIL_BACKEND = "tests.activity_log.test_send_failures.FailingBackend"
    overdue()
    assert send_due_reminders(NOW).failed == 1
    assert not AuditEvent.objects.filter(action="disclose").exists()


def test_the_reminder_tasks_are_at_least_once_and_the_worker_settings_say_so(settings, monkeypatch):
    for task in (scan_overdue_task, send_reminders):
        assert task.acks_late and task.reject_on_worker_lost
        # Soft limit, then hard limit, both inside the claim lease (a killed run's rows wait).
        assert task.soft_time_limit < task.time_limit < claim_lease().total_seconds()
    assert settings.CELERY_TASK_ACKS_LATE
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP
    # With Redis, an unacknowledged task comes back after the visibility timeout: it must be
    # longer than the longest task, or a long run would be handed to a second worker.
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    production = runpy.run_path(str(settings.BASE_DIR / "mentoring_site" / "settings.py"))
    longest = max(production["CELERY_TASK_TIME_LIMIT"], send_reminders.time_limit)
    assert production["CELERY_BROKER_TRANSPORT_OPTIONS"]["visibility_timeout"] > longest


def test_a_soft_time_limit_while_preparing_rows_is_not_a_row_failure(monkeypatch):
    reminder = overdue()

    def time_is_up(reminder, now):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr("activity_log.reminders.send._item", time_is_up)
    with pytest.raises(SoftTimeLimitExceeded):
        send_due_reminders(NOW)
    reminder.refresh_from_db()
    assert (reminder.attempts, reminder.last_error, reminder.claimed_until) == (0, "", None)


def test_the_residents_access_history_says_who_was_emailed(as_user, manager, house):
    from django.urls import reverse

    resident = f.ResidentFactory(house=house)
    reminder = overdue(resident=resident)
    send_due_reminders(NOW)
    html = (
        as_user(manager)
        .get(reverse("activity_log:resident_access", args=[resident.pk]))
        .content.decode()
    )
    assert "disclosed reminder" in html
    assert f"emailed to user {reminder.recipient_id}" in html
