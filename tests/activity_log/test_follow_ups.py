"""A contact's follow-up shows on My mentees from its date, goes in the mentor's digest on the
morning it is due (once), and is done with one tap (POST, idempotent, author only)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.models import ContactLog, Reminder
from activity_log.reminders.scan import scan_overdue
from activity_log.reminders.send import send_due_reminders
from tests import factories as f

pytestmark = pytest.mark.django_db

MY_MENTEES = reverse("activity_log:my_mentees")
# Midnight-past in New York (the houses' zone) on 10 March: quiet hours until 08:00.
JUST_AFTER_MIDNIGHT = dt.datetime(2026, 3, 10, 5, 5, tzinfo=dt.UTC)
EIGHT = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def pairing(house, mentor):
    return f.PairingFactory(
        mentor=mentor, resident=f.ResidentFactory(house=house, preferred_name="Ana")
    )


def follow_up(pairing, on: dt.date, text="Call her about the job interview") -> ContactLog:
    return f.ContactLogFactory(
        pairing=pairing,
        created_by=pairing.mentor.user,
        follow_up=text,
        follow_up_on=on,
    )


def done_url(contact) -> str:
    return reverse("activity_log:follow_up_done", args=[contact.pk])


def test_my_mentees_shows_a_follow_up_from_its_date(as_user, mentor, pairing):
    today = timezone.localdate()
    due = follow_up(pairing, today)
    follow_up(pairing, today + dt.timedelta(days=2), text="Ask about the dentist")
    response = as_user(mentor.user).get(MY_MENTEES)
    html = response.content.decode()
    assert "Call her about the job interview" in html
    assert "Ask about the dentist" not in html
    assert done_url(due) in html
    assert [item.contact for item in response.context["follow_ups"]] == [due]


def test_one_tap_marks_it_done_and_a_second_changes_nothing(as_user, mentor, pairing):
    contact = follow_up(pairing, timezone.localdate() - dt.timedelta(days=1))
    client = as_user(mentor.user)
    response = client.post(done_url(contact))
    assert response.status_code == 302 and response.url == MY_MENTEES
    contact.refresh_from_db()
    done_at = contact.follow_up_done_at
    assert done_at is not None
    client.post(done_url(contact))
    contact.refresh_from_db()
    assert contact.follow_up_done_at == done_at
    assert "Call her about" not in client.get(MY_MENTEES).content.decode()


def test_permissions(client, as_user, mentor2, manager, pairing):
    contact = follow_up(pairing, timezone.localdate())
    assert "/accounts/login/" in client.post(done_url(contact))["Location"]
    assert as_user(mentor2.user).post(done_url(contact)).status_code == 404
    assert as_user(manager).post(done_url(contact)).status_code == 404
    assert as_user(pairing.mentor.user).get(done_url(contact)).status_code == 405
    contact.refresh_from_db()
    assert contact.follow_up_done_at is None


def test_a_follow_up_of_an_ended_pairing_is_gone(as_user, mentor, pairing):
    contact = follow_up(pairing, timezone.localdate())
    pairing.status = "ended"
    pairing.ended_on = timezone.localdate()
    pairing.end_reason = "completed"
    pairing.save()
    assert as_user(mentor.user).get(MY_MENTEES).context["follow_ups"] == []
    assert as_user(mentor.user).post(done_url(contact)).status_code == 404


def test_it_goes_in_the_morning_digest_once(mentor, pairing, mailoutbox):
    follow_up(pairing, dt.date(2026, 3, 10))
    follow_up(pairing, dt.date(2026, 3, 11), text="Tomorrow's")
    first = scan_overdue(JUST_AFTER_MIDNIGHT, enqueue=False)
    assert first.follow_up == 1
    assert scan_overdue(JUST_AFTER_MIDNIGHT, enqueue=False).follow_up == 0
    reminder = Reminder.objects.get(kind="follow_up")
    assert reminder.recipient == mentor.user
    assert reminder.send_after == EIGHT
    send_due_reminders(JUST_AFTER_MIDNIGHT)
    assert mailoutbox == []
    send_due_reminders(EIGHT)
    (email,) = mailoutbox
    assert email.subject == "Follow up with Ana today"
    assert MY_MENTEES in email.body
    # What the mentor wrote stays on the phone: emails carry no notes.
    assert "job interview" not in email.body
    assert "job interview" not in email.alternatives[0][0]


def test_done_before_the_morning_drops_the_reminder(as_user, mentor, pairing, mailoutbox):
    contact = follow_up(pairing, dt.date(2026, 3, 10))
    scan_overdue(JUST_AFTER_MIDNIGHT, enqueue=False)
    as_user(mentor.user).post(done_url(contact))
    assert send_due_reminders(EIGHT).dropped == 1
    assert mailoutbox == []


def test_editing_the_follow_up_date_makes_it_open_again(mentor, pairing):
    from activity_log.contacts import services

    contact = follow_up(pairing, timezone.localdate())
    services.contact_follow_up_done(contact=contact)
    contact.refresh_from_db()
    services.contact_update(
        contact=contact,
        editor=mentor.user,
        happened_at=contact.happened_at,
        method=contact.method,
        duration_minutes=contact.duration_minutes,
        follow_up="Call again",
        follow_up_on=timezone.localdate() + dt.timedelta(days=3),
    )
    contact.refresh_from_db()
    assert contact.follow_up_done_at is None


def test_the_command_prints_the_notices_it_wrote(pairing):
    from io import StringIO

    from django.core.management import call_command

    follow_up(pairing, timezone.localdate())
    out = StringIO()
    call_command("scan_overdue", "--no-send", stdout=out)
    assert "New notices: 1 follow-up, 0 attendance not taken." in out.getvalue()


def test_the_notice_scans_run_a_fixed_number_of_queries(mentor, house, pairing):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n):
        for _ in range(n):
            follow_up(pairing, dt.date(2026, 3, 10))
            f.GroupSessionFactory(
                house=house,
                starts_at=JUST_AFTER_MIDNIGHT - dt.timedelta(days=2),
                facilitator_mentors=[mentor],
            )

    add(1)
    with CaptureQueriesContext(connection) as small:
        scan_overdue(JUST_AFTER_MIDNIGHT, enqueue=False)
    add(5)
    with CaptureQueriesContext(connection) as large:
        result = scan_overdue(JUST_AFTER_MIDNIGHT, enqueue=False)
    assert (result.follow_up, result.attendance_missing) == (5, 5)
    assert len(small) == len(large)
