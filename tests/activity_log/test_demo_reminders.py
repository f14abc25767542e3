"""The issue's "Done when": the demo data emails the overdue demo mentees' reminders exactly once."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from activity_log.models import Reminder
from activity_log.reminders.scan import scan_overdue
from activity_log.reminders.send import send_due_reminders
from matching.models import Pairing
from residents.models import House

pytestmark = pytest.mark.django_db

DEMO_MENTORS = ("mentor@example.com", "mentor2@example.com")


def daytime_after(start: dt.datetime) -> dt.datetime:
    """The first whole hour after `start` that is 10:00-18:59 in every demo house and the program
    clock, so quiet hours hold nothing back whenever the test runs."""
    zones = set(House.objects.values_list("time_zone", flat=True)) | {django_settings.TIME_ZONE}
    at = start.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    while not all(10 <= at.astimezone(ZoneInfo(zone)).hour < 19 for zone in zones):
        at += dt.timedelta(hours=1)
    return at


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    settings.SITE_URL = "http://demo.example"
    call_command("seed_demo")


def test_the_demo_emails_each_overdue_demo_mentor_once_naming_their_overdue_mentees(
    demo, mailoutbox
):
    now = daytime_after(timezone.now())
    past_grace = now - django_settings.REMINDER_GRACE

    scan = scan_overdue(now, enqueue=False)
    sent = send_due_reminders(now)

    assert scan.mentor_overdue > 0
    assert (sent.failed, sent.deferred, sent.sent) == (0, 0, scan.total)
    emails = Counter(to for message in mailoutbox for to in message.to)
    # Nobody, demo account or generated mentor or manager, gets two emails in the run.
    assert set(emails.values()) == {1}, emails
    by_recipient = {message.to[0]: message for message in mailoutbox}
    for email in DEMO_MENTORS:
        overdue = list(
            Pairing.objects.filter(
                mentor__user__email=email, status="active", next_due_at__lt=past_grace
            ).select_related("resident")
        )
        assert overdue, f"the demo should leave {email} an overdue mentee"
        message = by_recipient[email]
        html = message.alternatives[0][0]
        # One line per overdue mentee, each with a link to that mentee's log form.
        lines = re.findall(r"^- .+: (?:due today|overdue by \d+ days?)", message.body, re.M)
        assert len(lines) == len(overdue)
        for pairing in overdue:
            # Lateness in the check-in rule's words at the moment of sending.
            words = pairing.checkin_state(now).words.lower()
            assert f"- {pairing.resident.preferred_name}: {words}" in message.body
            assert pairing.resident.last_name not in message.body + html
            log_form = reverse("activity_log:contact_new", args=[pairing.pk])
            assert f"http://demo.example{log_form}" in message.body
            assert f'href="http://demo.example{log_form}"' in html
    # Every reminder written went out in its recipient's one email.
    for reminder in Reminder.objects.filter(kind__in=["mentor_overdue", "manager_escalation"]):
        assert reminder.sent_at == now
        assert (
            reminder.pairing.resident.preferred_name in by_recipient[reminder.recipient.email].body
        )

    # The next scan and send, a minute later (beat runs every minute), add and send nothing.
    later = now + dt.timedelta(minutes=1)
    assert scan_overdue(later, enqueue=False).total == 0
    assert send_due_reminders(later).claimed == 0
    assert len(mailoutbox) == sum(emails.values())
