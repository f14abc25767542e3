"""Notices through the outbox: the mentor hears of a new mentee at once (once, also under a
double submit or a reassignment), the pairing page says it was sent; the managers hear once
that a pairing paused because its mentor is away; the daily task pauses and resumes once."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from activity_log.models import Reminder
from activity_log.reminders.send import send_due_reminders
from activity_log.tasks import mentor_away_task
from matching.models import Pairing
from mentors.models import Mentor
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(house):
    return f.ResidentFactory(house=house, preferred_name="Ana", last_name="Zebulonsky")


def pair_url(resident, mentor) -> str:
    return reverse("matching:pair", args=[resident.pk, mentor.pk])


def send_now() -> None:
    """Sends what is ready, after quiet hours if the test runs at night."""
    latest = max(Reminder.objects.values_list("send_after", flat=True))
    send_due_reminders(max(timezone.now(), latest) + dt.timedelta(minutes=1))


def test_a_new_pairing_tells_the_mentor_once_under_a_double_submit(
    as_user, manager, resident, mentor, mailoutbox, django_capture_on_commit_callbacks
):
    client = as_user(manager)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(pair_url(resident, mentor), {"checkin_interval_days": "7"})
        client.post(pair_url(resident, mentor), {"checkin_interval_days": "7"})
    assert len(callbacks) == 1  # one "send now" request, after the first commit
    pairing = Pairing.objects.get()
    notice = Reminder.objects.get(kind="new_mentee")
    assert (notice.pairing, notice.recipient) == (pairing, mentor.user)
    send_now()
    (email,) = mailoutbox
    assert email.to == [mentor.user.email]
    assert email.subject == "Your new mentee: Ana"
    assert "Ana at Maple House" in email.body
    assert reverse("activity_log:my_mentees") in email.body
    assert "Zebulonsky" not in email.body  # first name only


def test_the_pairing_page_shows_the_notice_was_sent(as_user, manager, resident, mentor):
    client = as_user(manager)
    client.post(pair_url(resident, mentor), {"checkin_interval_days": "7"})
    pairing = Pairing.objects.get()
    page = client.get(reverse("matching:detail", args=[pairing.pk])).content.decode()
    assert "Mentor told" in page and "Waiting to send" in page
    send_now()
    notice = Reminder.objects.get(kind="new_mentee")
    page = client.get(reverse("matching:detail", args=[pairing.pk])).content.decode()
    assert f"Sent {date_format(timezone.localtime(notice.sent_at), 'DATETIME_FORMAT')}" in page


def test_a_reassignment_tells_the_new_mentor(as_user, manager, resident, mentor, mentor2):
    old = f.PairingFactory(mentor=mentor, resident=resident)
    as_user(manager).post(
        reverse("matching:reassign_to", args=[old.pk, mentor2.pk]),
        {"reason": "other", "note": "", "checkin_interval_days": "7"},
    )
    new = Pairing.objects.get(mentor=mentor2)
    assert list(Reminder.objects.values_list("kind", "pairing", "recipient")) == [
        ("new_mentee", new.pk, mentor2.user.pk)
    ]


def test_a_refused_pairing_tells_nobody(as_user, manager, resident, mentor):
    Mentor.objects.filter(pk=mentor.pk).update(capacity=0)
    as_user(manager).post(pair_url(resident, mentor), {"checkin_interval_days": "7"})
    assert not Reminder.objects.exists()


def test_managers_are_told_once_when_a_mentor_goes_away(
    manager, house, resident, mentor, mailoutbox
):
    pairing = f.PairingFactory(mentor=mentor, resident=resident)
    today = timezone.localdate()
    Mentor.objects.filter(pk=mentor.pk).update(
        away_from=today, back_on=today + dt.timedelta(days=10)
    )
    assert mentor_away_task() == {"paused": 1, "resumed": 0}
    assert mentor_away_task() == {"paused": 0, "resumed": 0}
    notice = Reminder.objects.get(kind="mentor_away")
    assert (notice.pairing, notice.recipient) == (pairing, manager)
    send_now()
    (email,) = mailoutbox
    assert email.to == [manager.email]
    assert email.subject == "Sam is away: Ana's check-ins are paused"
    back = today + dt.timedelta(days=10)
    assert f"back on {back.day} {back:%B}" in email.body
    assert reverse("residents:detail", args=[resident.pk]) in email.body


def test_the_task_resumes_on_the_return_date_once(house, resident, mentor):
    pairing = f.PairingFactory(mentor=mentor, resident=resident)
    today = timezone.localdate()
    Mentor.objects.filter(pk=mentor.pk).update(
        away_from=today - dt.timedelta(days=5), back_on=today
    )
    Pairing.objects.filter(pk=pairing.pk).update(
        status="paused", pause_reason="mentor_away", paused_on=today - dt.timedelta(days=5)
    )
    assert mentor_away_task() == {"paused": 0, "resumed": 1}
    assert mentor_away_task() == {"paused": 0, "resumed": 0}
    pairing.refresh_from_db()
    assert pairing.status == "active"
