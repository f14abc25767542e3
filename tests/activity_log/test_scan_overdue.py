"""The overdue scan, by time travel: grace, escalation, a contact, the next period."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activity_log.contacts.services import contact_log
from activity_log.models import Reminder
from activity_log.reminders.scan import scan_overdue
from activity_log.reminders.send import send_due_reminders
from matching.models import Pairing
from tests import factories as f

pytestmark = pytest.mark.django_db

# Due at 21:00 in New York (01:00 UTC); reminders are sent at DUE + 13 hours = 10:00 there.
DUE = dt.datetime(2026, 3, 10, 1, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def overdue_pairing(due_at: dt.datetime, house=None, **kwargs) -> Pairing:
    resident = f.ResidentFactory(house=house) if house else f.ResidentFactory()
    pairing = f.PairingFactory(resident=resident, **kwargs)
    Pairing.objects.filter(pk=pairing.pk).update(next_due_at=due_at)
    pairing.refresh_from_db()
    return pairing


@pytest.fixture
def second_manager(house):
    other = f.ManagerUserFactory(first_name="Lee")
    house.managers.add(other)
    return other


def kinds() -> list[str]:
    return sorted(Reminder.objects.values_list("kind", flat=True))


def test_time_travel_from_due_to_the_next_period(house, manager, second_manager, mailoutbox):
    # Started before DUE, so a contact logged a few days after it is within the pairing.
    pairing = overdue_pairing(DUE, house=house, started_on=(DUE - 14 * DAY).date())

    # Due, and inside the 12-hour grace: nothing yet.
    assert scan_overdue(DUE).total == 0
    assert scan_overdue(DUE + 11 * HOUR).total == 0
    assert kinds() == []

    # Past grace: one reminder to the mentor, sent once.
    result = scan_overdue(DUE + 13 * HOUR)
    assert (result.mentor_overdue, result.manager_escalation) == (1, 0)
    reminder = Reminder.objects.get()
    assert reminder.recipient == pairing.mentor.user
    assert (reminder.subject_key, reminder.due_at) == (f"pairing:{pairing.pk}", DUE)
    send_due_reminders(DUE + 13 * HOUR)
    assert [m.to for m in mailoutbox] == [[pairing.mentor.user.email]]

    # Scanning again every minute changes nothing.
    for minutes in range(1, 4):
        assert scan_overdue(DUE + 13 * HOUR + dt.timedelta(minutes=minutes)).total == 0
    assert kinds() == ["mentor_overdue"]

    # Past the escalation delay: one escalation per manager of the resident's house.
    result = scan_overdue(DUE + 3 * DAY + 13 * HOUR)
    assert result.manager_escalation == 2
    escalated = Reminder.objects.filter(kind="manager_escalation")
    assert {r.recipient for r in escalated} == {manager, second_manager}
    send_due_reminders(DUE + 3 * DAY + 13 * HOUR)
    assert sorted(m.to[0] for m in mailoutbox[1:]) == sorted([manager.email, second_manager.email])

    # A contact is logged through the contact service, whose recompute moves the due time on:
    # nothing more for that period, however often the scan runs.
    contact_at = DUE + 3 * DAY + 14 * HOUR
    contact_log(pairing=pairing, author=pairing.mentor.user, happened_at=contact_at)
    pairing.refresh_from_db()
    assert (pairing.last_contact_at, pairing.next_due_at) == (contact_at, contact_at + 7 * DAY)
    for later in (3 * HOUR, DAY, 6 * DAY, 7 * DAY + 11 * HOUR):
        assert scan_overdue(contact_at + later).total == 0
    assert len(mailoutbox) == 3

    # The next period goes overdue too: a new reminder about the new due time.
    next_due = contact_at + 7 * DAY
    assert scan_overdue(next_due + 13 * HOUR).mentor_overdue == 1
    assert sorted(
        Reminder.objects.filter(kind="mentor_overdue").values_list("due_at", flat=True)
    ) == [
        DUE,
        next_due,
    ]


def test_paused_and_ended_pairings_are_never_reminded(house):
    for status in (Pairing.Status.PAUSED, Pairing.Status.ENDED):
        pairing = overdue_pairing(DUE, house=house)
        Pairing.objects.filter(pk=pairing.pk).update(status=status, ended_on=pairing.started_on)
    assert scan_overdue(DUE + 4 * DAY).total == 0


def test_a_house_without_managers_gets_the_mentor_reminder_only():
    overdue_pairing(DUE, house=f.HouseFactory())
    result = scan_overdue(DUE + 4 * DAY)
    assert (result.mentor_overdue, result.manager_escalation) == (1, 0)


def test_a_deactivated_manager_gets_no_escalation(house, manager, second_manager):
    second_manager.is_active = False
    second_manager.save()
    overdue_pairing(DUE, house=house)
    scan_overdue(DUE + 4 * DAY)
    assert [r.recipient for r in Reminder.objects.filter(kind="manager_escalation")] == [manager]


def test_a_scan_racing_another_writes_each_reminder_once(house, monkeypatch):
    """Even if both scans read before either wrote, the unique constraint keeps one row."""

    overdue_pairing(DUE, house=house)
    monkeypatch.setattr("activity_log.reminders.scan._already_written", lambda ids, oldest: set())
    scan_overdue(DUE + 4 * DAY)
    scan_overdue(DUE + 4 * DAY)
    assert kinds() == ["manager_escalation", "mentor_overdue"]


def test_the_scan_enqueues_sending_once_committed(house, django_capture_on_commit_callbacks):
    from activity_log.reminders.send import enqueue_send

    overdue_pairing(DUE, house=house)
    with django_capture_on_commit_callbacks() as callbacks:
        scan_overdue(DUE + 13 * HOUR)
    assert callbacks == [enqueue_send]


def test_the_scan_enqueues_nothing_when_nothing_waits(house, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        scan_overdue(DUE)
    assert callbacks == []


def test_the_scan_runs_a_fixed_number_of_queries_whatever_the_due_rows(house):
    f.PairingFactory.create_batch(3)  # not due
    overdue_pairing(DUE, house=house)
    with CaptureQueriesContext(connection) as small:
        scan_overdue(DUE + 4 * DAY)
    for _ in range(8):
        overdue_pairing(DUE - DAY, house=house)
    with CaptureQueriesContext(connection) as large:
        assert scan_overdue(DUE + 4 * DAY).mentor_overdue == 8
    # 12 for check-ins and training, one each for follow-ups and sessions without attendance.
    assert len(small) == len(large) <= 14


# --- Training -------------------------------------------------------------------------------------

TODAY = dt.date(2026, 3, 10)
NOON = dt.datetime(2026, 3, 10, 16, 0, tzinfo=dt.UTC)


def training(mentor, course, *, completed_on, expires_on):
    return f.TrainingRecordFactory(
        mentor=mentor, course=course, completed_on=completed_on, expires_on=expires_on
    )


def test_training_expiring_within_30_days_gets_one_reminder_to_the_mentor(mentor):
    course = f.TrainingCourseFactory(name="Boundaries")
    record = training(
        mentor,
        course,
        completed_on=TODAY - dt.timedelta(days=700),
        expires_on=TODAY + dt.timedelta(days=20),
    )
    assert scan_overdue(NOON).training_expiring == 1
    assert scan_overdue(NOON + DAY).training_expiring == 0
    reminder = Reminder.objects.get(kind="training_expiring")
    assert (reminder.recipient, reminder.training_record, reminder.subject_key) == (
        mentor.user,
        record,
        f"training:{record.pk}",
    )
    assert reminder.due_at.date() == record.expires_on


def test_training_not_due_expired_renewed_or_of_a_retired_mentor_is_left_alone(mentor):
    course = f.TrainingCourseFactory()
    old = TODAY - dt.timedelta(days=700)
    training(mentor, course, completed_on=old, expires_on=TODAY + dt.timedelta(days=31))
    training(
        mentor, f.TrainingCourseFactory(), completed_on=old, expires_on=TODAY - dt.timedelta(days=1)
    )
    renewed_course = f.TrainingCourseFactory()
    training(mentor, renewed_course, completed_on=old, expires_on=TODAY + dt.timedelta(days=5))
    training(mentor, renewed_course, completed_on=TODAY, expires_on=TODAY + dt.timedelta(days=365))
    retired = f.MentorFactory(status="retired")
    training(retired, course, completed_on=old, expires_on=TODAY + dt.timedelta(days=5))
    assert scan_overdue(NOON).training_expiring == 0
