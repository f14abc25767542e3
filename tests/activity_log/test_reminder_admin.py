"""Reminder admin: filter by kind and state; resend a failed one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.models import Reminder
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = reverse("admin:activity_log_reminder_changelist")


@pytest.fixture
def program_admin(db):
    """A program admin with Django admin access, like the demo's admin@example.com."""
    return f.AdminUserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def reminders():
    now = timezone.now()
    return {
        "waiting": f.ReminderFactory(),
        "sent": f.ReminderFactory(kind="manager_escalation", sent_at=now),
        "failed": f.ReminderFactory(
            failed_at=now, attempts=12, last_error="SMTPServerDisconnected: closed"
        ),
    }


@pytest.mark.parametrize("state", ["waiting", "sent", "failed"])
def test_the_list_filters_by_state(as_user, program_admin, reminders, state):
    response = as_user(program_admin).get(URL, {"state": state})
    assert response.status_code == 200
    assert [r.pk for r in response.context["cl"].result_list] == [reminders[state].pk]


def test_the_list_filters_by_kind(as_user, program_admin, reminders):
    response = as_user(program_admin).get(URL, {"kind__exact": "manager_escalation"})
    assert [r.pk for r in response.context["cl"].result_list] == [reminders["sent"].pk]


def test_the_list_shows_and_filters_the_channel(as_user, program_admin, reminders):
    text = f.ReminderFactory(channel="sms", pairing=reminders["waiting"].pairing)
    response = as_user(program_admin).get(URL, {"channel__exact": "sms"})
    assert [r.pk for r in response.context["cl"].result_list] == [text.pk]
    assert "Text message" in response.content.decode()


def test_resending_puts_only_failed_reminders_back_in_the_queue(
    as_user, program_admin, reminders, django_capture_on_commit_callbacks
):
    chosen = [reminders["failed"].pk, reminders["sent"].pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(program_admin).post(
            URL, {"action": "resend_failed", "_selected_action": chosen}, follow=True
        )
    assert "1 reminder will be sent again." in response.content.decode()
    failed = Reminder.objects.get(pk=reminders["failed"].pk)
    assert (failed.failed_at, failed.attempts, failed.claimed_until) == (None, 0, None)
    assert failed.send_after > timezone.now() - dt.timedelta(minutes=1)
    assert Reminder.objects.get(pk=reminders["sent"].pk).sent_at is not None


def test_reminders_cannot_be_added_by_hand(as_user, program_admin):
    response = as_user(program_admin).get(reverse("admin:activity_log_reminder_add"))
    assert response.status_code == 403


def test_managers_cannot_open_the_reminder_admin(as_user, manager):
    response = as_user(manager).get(URL)
    assert response.status_code == 302
