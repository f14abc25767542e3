"""`python manage.py scan_overdue`: the same scan as the beat task, runnable without Celery."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from activity_log.models import Reminder
from activity_log.tasks import scan_overdue_task
from matching.models import Pairing
from tests import factories as f

pytestmark = pytest.mark.django_db


def daytime_zone() -> str:
    """A time zone where it is daytime now, so quiet hours never hold an email back here."""
    zones = ("America/New_York", "Europe/London", "Asia/Tokyo", "Pacific/Honolulu")
    return next(z for z in zones if 9 <= timezone.now().astimezone(ZoneInfo(z)).hour < 20)


@pytest.fixture
def overdue(house, mentor):
    # A house whose clock is in daytime right now, so quiet hours never hold the email back.
    house.time_zone = daytime_zone()
    house.save()
    pairing = f.PairingFactory(mentor=mentor, resident=f.ResidentFactory(house=house))
    Pairing.objects.filter(pk=pairing.pk).update(next_due_at=timezone.now() - dt.timedelta(days=4))
    return pairing


def run(*args) -> str:
    out = StringIO()
    call_command("scan_overdue", *args, stdout=out)
    return out.getvalue()


def test_the_command_scans_sends_and_prints_counts(overdue, manager, mailoutbox):
    output = run()
    assert "New reminders: 1 mentor, 1 manager escalation, 0 training expiring." in output
    assert "Sent 2 emails covering 2 reminders" in output
    assert sorted(m.to[0] for m in mailoutbox) == sorted([overdue.mentor.user.email, manager.email])
    assert "New reminders: 0 mentor, 0 manager escalation" in run()
    assert len(mailoutbox) == 2


def test_no_send_only_writes_the_reminders(overdue, mailoutbox):
    output = run("--no-send")
    assert "Sent" not in output
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 2
    assert mailoutbox == []


def test_the_beat_task_calls_the_same_scan(overdue):
    assert scan_overdue_task.apply().get() == {
        "mentor_overdue": 1,
        "manager_escalation": 1,
        "training_expiring": 0,
        "follow_up": 0,
        "attendance_missing": 0,
        "skipped_houses": [],
    }


def test_beat_runs_the_scan_and_the_sender_every_minute(settings):
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["activity_log.tasks.scan_overdue_task"] == dt.timedelta(minutes=1)
    assert schedule["activity_log.tasks.send_reminders"] == dt.timedelta(minutes=1)
    assert "mentoring_site.tasks.heartbeat" in schedule


def test_the_tasks_have_time_limits_shorter_than_a_claim():
    from activity_log.reminders.send import claim_lease
    from activity_log.tasks import send_reminders

    for task in (scan_overdue_task, send_reminders):
        assert task.soft_time_limit < task.time_limit < claim_lease().total_seconds()
