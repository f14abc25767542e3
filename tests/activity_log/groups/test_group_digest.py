"""The facilitator's reminder digest carries an "attendance not taken" line."""

import datetime as dt

import pytest
from django.urls import reverse

from activity_log.groups import services
from activity_log.reminders.send import send_due_reminders
from tests import factories as f
from tests.activity_log.test_send_reminders import NOW, overdue_reminder

pytestmark = pytest.mark.django_db


def test_the_digest_lists_sessions_waiting_for_attendance(mentor, house, manager, mailoutbox):
    waiting = f.GroupSessionFactory(
        house=house,
        title="Budget workshop",
        starts_at=NOW - dt.timedelta(days=2),
        facilitator_mentors=[mentor],
    )
    f.GroupSessionFactory(house=house, title="Not theirs", starts_at=NOW - dt.timedelta(days=2))
    taken = f.GroupSessionFactory(
        house=house,
        title="Already taken",
        starts_at=NOW - dt.timedelta(days=3),
        facilitator_mentors=[mentor],
    )
    services.attendance_record(session=taken, taker=mentor.user)
    overdue_reminder(mentor)
    send_due_reminders(NOW)
    (email,) = mailoutbox
    assert "Attendance not taken yet for 1 session you facilitated" in email.body
    assert "Budget workshop" in email.body
    assert reverse("groups:attendance", args=[waiting.pk]) in email.body
    assert "Not theirs" not in email.body and "Already taken" not in email.body
    html = email.alternatives[0][0]
    assert "Budget workshop" in html


def test_no_line_when_nothing_waits(mentor, mailoutbox):
    overdue_reminder(mentor)
    send_due_reminders(NOW)
    assert "Attendance not taken" not in mailoutbox[0].body
