"""Nothing lost: a failing mail server leaves reminders waiting; they go once it recovers."""

from __future__ import annotations

import datetime as dt
from smtplib import SMTPServerDisconnected

import pytest
from django.core.mail.backends import locmem
from django.core.mail.backends.base import BaseEmailBackend

from activity_log.models import Reminder
from activity_log.reminders.send import send_due_reminders
from matching.models import Pairing
from tests import factories as f

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # 11:00 in New York
MINUTE = dt.timedelta(minutes=1)
FAILING = "tests.activity_log.test_send_failures.FailingBackend"
WORKING = "django.core.mail.backends.locmem.EmailBackend"


class FailingBackend(BaseEmailBackend):
    """A mail server that hangs up, naming the recipient in its error as real ones do."""

    def send_messages(self, email_messages):
        raise SMTPServerDisconnected(
            f"Connection closed while sending to {email_messages[0].to[0]}"
        )


def waiting_reminder(mentor) -> Reminder:
    pairing = f.PairingFactory(mentor=mentor)
    Pairing.objects.filter(pk=pairing.pk).update(next_due_at=NOW - dt.timedelta(days=1))
    return Reminder.objects.create(
        kind="mentor_overdue",
        pairing=pairing,
        subject_key=f"pairing:{pairing.pk}",
        due_at=NOW - dt.timedelta(days=1),
        recipient=mentor.user,
        send_after=NOW,
    )


def test_a_failing_mail_server_leaves_the_reminder_waiting_then_it_goes(
    mentor, settings, mailoutbox
):
    reminder = waiting_reminder(mentor)
    settings.EMAIL_BACKEND = FAILING

    result = send_due_reminders(NOW)

    assert (result.emails, result.failed) == (0, 1)
    reminder.refresh_from_db()
    assert reminder.sent_at is None and reminder.failed_at is None
    assert reminder.attempts == 1
    assert reminder.claimed_until == NOW + MINUTE
    assert (
        reminder.last_error
        == "SMTPServerDisconnected: Connection closed while sending to <address>"
    )
    assert mentor.user.email not in reminder.last_error

    # Backing off: not retried before the minute is up, then retried and backing off longer.
    assert send_due_reminders(NOW + 30 * dt.timedelta(seconds=1)).failed == 0
    assert send_due_reminders(NOW + 2 * MINUTE).failed == 1
    reminder.refresh_from_db()
    assert (reminder.attempts, reminder.claimed_until) == (2, NOW + 4 * MINUTE)

    # The mail server is back: the reminder goes, once.
    settings.EMAIL_BACKEND = WORKING
    assert send_due_reminders(NOW + 3 * MINUTE).emails == 0
    assert send_due_reminders(NOW + 5 * MINUTE).emails == 1
    assert send_due_reminders(NOW + 10 * MINUTE).emails == 0
    reminder.refresh_from_db()
    assert reminder.sent_at == NOW + 5 * MINUTE
    assert len(mailoutbox) == 1


def test_after_a_day_of_failures_the_reminder_is_marked_failed(mentor, settings, mailoutbox):
    reminder = waiting_reminder(mentor)
    settings.EMAIL_BACKEND = FAILING
    send_due_reminders(NOW)
    later = NOW + dt.timedelta(days=1, minutes=1)

    result = send_due_reminders(later)

    assert result.gave_up == 1
    reminder.refresh_from_db()
    assert reminder.failed_at == later
    assert Reminder.objects.filter(failed_at__isnull=False).count() == 1  # the dashboard's query
    settings.EMAIL_BACKEND = WORKING
    assert send_due_reminders(later + dt.timedelta(hours=3)).emails == 0
    assert mailoutbox == []


class RefusesMentorBackend(locmem.EmailBackend):
    def send_messages(self, email_messages):
        if email_messages[0].to == ["mentor@example.org"]:
            raise ConnectionRefusedError("refused")
        return super().send_messages(email_messages)


def test_one_recipients_failure_does_not_stop_the_others(mentor, mentor2, settings, mailoutbox):
    waiting_reminder(mentor)
    waiting_reminder(mentor2)
    settings.EMAIL_BACKEND = "tests.activity_log.test_send_failures.RefusesMentorBackend"

    result = send_due_reminders(NOW)

    assert (result.emails, result.failed) == (1, 1)
    assert [m.to for m in mailoutbox] == [[mentor2.user.email]]
