""" "Attendance not taken" is its own Reminder kind: each facilitator of a held session that
ended more than a day ago without attendance gets it once, in their next digest, after quiet
hours; taking attendance before it goes drops it."""

import datetime as dt

import pytest
from django.urls import reverse

from activity_log.groups import services
from activity_log.models import Reminder
from activity_log.reminders.scan import scan_overdue
from activity_log.reminders.send import send_due_reminders
from tests import factories as f
from tests.activity_log.test_send_reminders import NOW

pytestmark = pytest.mark.django_db

# 02:30 UTC: 21:30 in New York, inside quiet hours (the houses' zone).
NIGHT = dt.datetime(2026, 3, 11, 2, 30, tzinfo=dt.UTC)
MORNING = dt.datetime(2026, 3, 11, 13, 0, tzinfo=dt.UTC)  # 09:00 in New York


@pytest.fixture
def waiting(mentor, house, manager):
    session = f.GroupSessionFactory(
        house=house,
        title="Budget workshop",
        starts_at=NOW - dt.timedelta(days=2),
        facilitator_mentors=[mentor],
    )
    session.facilitator_users.add(manager)
    return session


def test_each_facilitator_is_reminded_once(mentor, manager, house, waiting):
    f.GroupSessionFactory(house=house, title="Not yet a day", starts_at=NOW - dt.timedelta(hours=3))
    first = scan_overdue(NOW, enqueue=False)
    second = scan_overdue(NOW, enqueue=False)
    assert (first.attendance_missing, second.attendance_missing) == (2, 0)
    rows = Reminder.objects.filter(kind="attendance_missing")
    assert {r.recipient for r in rows} == {mentor.user, manager}
    assert {r.group_session for r in rows} == {waiting}
    assert {r.subject_key for r in rows} == {f"session:{waiting.pk}"}


def test_the_digest_says_it_with_a_link(mentor, waiting, mailoutbox):
    scan_overdue(NOW, enqueue=False)
    Reminder.objects.exclude(recipient=mentor.user).delete()
    send_due_reminders(NOW)
    (email,) = mailoutbox
    assert email.to == [mentor.user.email]
    assert email.subject == "Attendance not taken: Budget workshop"
    assert "Attendance is not taken yet for a session you facilitated" in email.body
    assert reverse("groups:attendance", args=[waiting.pk]) in email.body
    assert "Budget workshop" in email.alternatives[0][0]


def test_quiet_hours_hold_it_until_the_morning(mentor, waiting, mailoutbox):
    scan_overdue(NIGHT, enqueue=False)
    reminder = Reminder.objects.get(recipient=mentor.user)
    assert reminder.send_after == dt.datetime(2026, 3, 11, 12, 0, tzinfo=dt.UTC)  # 08:00 local
    send_due_reminders(NIGHT)
    assert mailoutbox == []
    send_due_reminders(MORNING)
    assert len(mailoutbox) == 2  # the mentor and the staff facilitator, one email each
    send_due_reminders(MORNING + dt.timedelta(hours=1))
    assert len(mailoutbox) == 2


def test_attendance_taken_before_sending_drops_it(mentor, waiting, mailoutbox):
    scan_overdue(NOW, enqueue=False)
    services.attendance_record(session=waiting, taker=mentor.user)
    result = send_due_reminders(NOW)
    assert mailoutbox == []
    assert result.dropped == 2
    # And a later scan does not write it again.
    assert scan_overdue(NOW, enqueue=False).attendance_missing == 0
