"""Sending the outbox: one digest per recipient, claimed once, no notes or surnames in it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from activity_log.models import Reminder, backoff
from activity_log.reminders.send import send_due_reminders
from activity_log.tasks import send_reminders
from matching.models import Pairing
from tests import factories as f
from tests.activity_log.contact_support import urgent_reminder

pytestmark = pytest.mark.django_db

# 15:00 UTC is 10:00 or 11:00 in New York: outside quiet hours.
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def overdue_reminder(
    mentor=None, *, house=None, days=2, kind="mentor_overdue", recipient=None, name=None
):
    names = {"preferred_name": name} if name else {}
    resident = f.ResidentFactory(house=house or f.HouseFactory(), last_name="Zebulonsky", **names)
    pairing = f.PairingFactory(resident=resident, **({"mentor": mentor} if mentor else {}))
    due_at = NOW - days * DAY
    Pairing.objects.filter(pk=pairing.pk).update(next_due_at=due_at)
    return Reminder.objects.create(
        kind=kind,
        pairing=pairing,
        subject_key=f"pairing:{pairing.pk}",
        due_at=due_at,
        recipient=recipient or pairing.mentor.user,
        send_after=NOW - dt.timedelta(hours=1),
    )


def expiring_training_reminder(mentor, *, course="Naloxone refresher", expires_on=None):
    expires_on = expires_on or dt.date(2026, 4, 1)
    record = f.TrainingRecordFactory(
        mentor=mentor,
        course=f.TrainingCourseFactory(name=course),
        completed_on=expires_on - dt.timedelta(days=730),
        expires_on=expires_on,
    )
    return Reminder.objects.create(
        kind="training_expiring",
        training_record=record,
        subject_key=f"training:{record.pk}",
        due_at=dt.datetime.combine(expires_on, dt.time(4), tzinfo=dt.UTC),
        recipient=mentor.user,
        send_after=NOW,
    )


def log_url(reminder) -> str:
    return "http://testserver" + reverse("activity_log:contact_new", args=[reminder.pairing_id])


def test_one_digest_per_recipient_lists_every_overdue_mentee(mentor, mentor2, mailoutbox):
    first = overdue_reminder(mentor)
    second = overdue_reminder(mentor)
    third = overdue_reminder(mentor2)

    result = send_due_reminders(NOW)

    assert (result.emails, result.sent) == (2, 3)
    by_recipient = {m.to[0]: m for m in mailoutbox}
    digest = by_recipient[mentor.user.email]
    for reminder in (first, second):
        assert reminder.pairing.resident.preferred_name in digest.body
    assert "2 of your mentees are due a check-in" in digest.subject
    assert third.pairing.resident.preferred_name in by_recipient[mentor2.user.email].subject
    assert Reminder.objects.filter(sent_at=NOW).count() == 3


def test_running_the_send_task_twice_sends_each_email_once(mentor, mailoutbox, monkeypatch):
    overdue_reminder(mentor)
    overdue_reminder(mentor)
    monkeypatch.setattr("activity_log.reminders.send.timezone.now", lambda: NOW)
    send_reminders.apply()
    send_reminders.apply()
    assert len(mailoutbox) == 1
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0


def test_a_reminder_claimed_by_another_worker_is_left_to_it(mentor, mailoutbox):
    reminder = overdue_reminder(mentor)
    Reminder.objects.filter(pk=reminder.pk).update(claimed_until=NOW + dt.timedelta(minutes=3))
    assert send_due_reminders(NOW).emails == 0
    assert mailoutbox == []


def test_a_claim_that_expired_is_taken_over(mentor, mailoutbox):
    """A worker died mid-send: once its lease ran out, another one sends."""
    reminder = overdue_reminder(mentor)
    Reminder.objects.filter(pk=reminder.pk).update(claimed_until=NOW - dt.timedelta(seconds=1))
    assert send_due_reminders(NOW).emails == 1


def test_only_one_of_two_claims_wins():
    from activity_log.reminders.send import _claim

    first, second = overdue_reminder(), overdue_reminder()
    assert _claim([first.pk], NOW) == [first.pk]
    assert _claim([first.pk, second.pk], NOW) == [second.pk]
    assert _claim([first.pk, second.pk], NOW) == []


def test_sent_and_failed_reminders_are_not_sent_again(mentor, mailoutbox):
    sent = overdue_reminder(mentor)
    failed = overdue_reminder(mentor)
    Reminder.objects.filter(pk=sent.pk).update(sent_at=NOW - DAY)
    Reminder.objects.filter(pk=failed.pk).update(failed_at=NOW - DAY)
    assert send_due_reminders(NOW).emails == 0


def test_a_reminder_waiting_for_later_is_not_sent_yet(mentor, mailoutbox):
    reminder = overdue_reminder(mentor)
    Reminder.objects.filter(pk=reminder.pk).update(send_after=NOW + dt.timedelta(minutes=1))
    assert send_due_reminders(NOW).emails == 0
    assert send_due_reminders(NOW + dt.timedelta(minutes=1)).emails == 1


def test_a_reminder_whose_mentee_was_seen_meanwhile_is_dropped(mentor, mailoutbox):
    reminder = overdue_reminder(mentor)
    Pairing.objects.filter(pk=reminder.pairing_id).update(
        last_contact_at=NOW - dt.timedelta(hours=1), next_due_at=NOW + 7 * DAY
    )
    result = send_due_reminders(NOW)
    assert (result.emails, result.dropped) == (0, 1)
    assert not Reminder.objects.exists()


@override_settings(SITE_URL="https://mentoring.example.org")
def test_the_mentor_email_is_warm_short_first_names_only_with_a_log_link(mentor, mailoutbox):
    reminder = overdue_reminder(mentor)
    resident = reminder.pairing.resident
    send_due_reminders(NOW)

    message = mailoutbox[0]
    html = message.alternatives[0][0]
    for text in (message.subject, message.body, html):
        assert resident.preferred_name in text
        assert resident.last_name not in text
        assert mentor.user.last_name not in text
    assert message.subject == f"Time to check in with {resident.preferred_name}"
    assert message.body.startswith(f"Hi {mentor.user.first_name},")
    form = "https://mentoring.example.org" + reverse(
        "activity_log:contact_new", args=[reminder.pairing_id]
    )
    assert form in message.body
    assert f'href="{form}"' in html
    assert len(message.body) < 600


@override_settings(SITE_URL="http://testserver")
def test_the_mentor_digest_links_the_log_form_of_each_mentee(mentor, mailoutbox, client):
    # Names that are neither equal nor part of one another (random names made this flaky).
    names = ["Abigail", "Bernadette", "Consuelo"]
    reminders = [overdue_reminder(mentor, name=name) for name in names]
    send_due_reminders(NOW)

    (message,) = mailoutbox
    html = message.alternatives[0][0]
    for reminder in reminders:
        name, url = reminder.pairing.resident.preferred_name, log_url(reminder)
        # The link follows the mentee's own line in the text, and is on it in the HTML.
        # Lateness in the check-in rule's words, as on the phone and the dashboard.
        assert f"- {name}: overdue by 2 days (due " in message.body
        assert message.body.split(f"- {name}: overdue by 2 days")[1].split("\n")[1].strip() == (
            f"Log it: {url}"
        )
        assert f'href="{url}"' in html.split(name)[1].split("</li>")[0]
    # The link opens that mentee's log form for the mentor.
    client.force_login(mentor.user)
    assert client.get(log_url(reminders[0]).removeprefix("http://testserver")).status_code == 200


def test_one_email_per_recipient_per_run_with_a_section_per_kind(mentor, mailoutbox):
    """A mentor with an overdue mentee and a course to renew gets both in one message."""
    overdue = overdue_reminder(mentor)
    training = expiring_training_reminder(mentor, course="Naloxone refresher")

    result = send_due_reminders(NOW)

    assert (result.emails, result.sent) == (1, 2)
    (message,) = mailoutbox
    html = message.alternatives[0][0]
    assert message.subject == "A check-in due and a course to renew"
    name = overdue.pairing.resident.preferred_name
    for text in (message.body, html):
        assert name in text
        assert "Naloxone refresher expires on Wednesday 1 April 2026" in text
        # The overdue mentee comes first, each kind under its own heading.
        assert text.index(name) < text.index("Naloxone refresher")
    assert "CHECK-INS DUE" in message.body and "TRAINING TO RENEW" in message.body
    assert "<h2>Check-ins due</h2>" in html and "<h2>Training to renew</h2>" in html
    assert overdue.pairing.resident.last_name not in message.body + html
    assert set(Reminder.objects.values_list("id", "sent_at")) == {
        (overdue.pk, NOW),
        (training.pk, NOW),
    }


def test_the_digest_subject_counts_each_kind(mentor, mailoutbox):
    overdue_reminder(mentor)
    overdue_reminder(mentor)
    expiring_training_reminder(mentor, course="Boundaries")
    expiring_training_reminder(mentor, course="First aid")
    send_due_reminders(NOW)
    assert [m.subject for m in mailoutbox] == ["2 check-ins due and 2 courses to renew"]


def test_a_manager_gets_one_escalation_digest_and_the_urgent_alert_apart(
    house, manager, mentor, mailoutbox
):
    """Urgent alerts go at once and ignore quiet hours, so they never wait inside a digest."""
    first = overdue_reminder(
        mentor, house=house, days=4, kind="manager_escalation", recipient=manager
    )
    second = overdue_reminder(
        mentor, house=house, days=5, kind="manager_escalation", recipient=manager
    )
    urgent_reminder(manager, house=house, send_after=NOW)
    # Distinct names: a random factory name shared with the urgent alert's resident would pass
    # for a digest name in the alert.
    for reminder, name in ((first, "Overdue-One"), (second, "Overdue-Two")):
        reminder.pairing.resident.preferred_name = name
        reminder.pairing.resident.save(update_fields=["preferred_name"])

    result = send_due_reminders(NOW)

    assert (result.emails, result.sent) == (2, 3)
    urgent, digest = mailoutbox  # the urgent alert goes first
    assert urgent.subject.startswith("Urgent:")
    assert digest.subject == "2 residents are overdue a mentor check-in"
    assert [m.to for m in mailoutbox] == [[manager.email], [manager.email]]
    for reminder in (first, second):
        assert reminder.pairing.resident.preferred_name in digest.body
        assert reminder.pairing.resident.preferred_name not in urgent.body


def test_the_rows_of_one_email_fail_and_are_retried_together(mentor, settings, mailoutbox):
    overdue = overdue_reminder(mentor)
    training = expiring_training_reminder(mentor)
    settings.EMAIL_BACKEND = "tests.activity_log.test_send_failures.FailingBackend"

    result = send_due_reminders(NOW)

    assert (result.emails, result.failed) == (0, 2)
    rows = Reminder.objects.filter(pk__in=[overdue.pk, training.pk])
    assert {(r.attempts, r.claimed_until, r.sent_at) for r in rows} == {
        (1, NOW + dt.timedelta(minutes=1), None)
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    later = NOW + dt.timedelta(minutes=2)  # the back-off is over
    result = send_due_reminders(later)
    assert (result.emails, result.sent) == (1, 2)
    assert len(mailoutbox) == 1
    assert {(r.attempts, r.sent_at) for r in rows.all()} == {(2, later)}


def test_a_full_batch_takes_the_rest_of_its_recipients_rows(mentor, mentor2, mailoutbox):
    """The batch ends after the second row, half-way through the first mentor's rows."""
    first = overdue_reminder(mentor)
    overdue_reminder(mentor2)
    last = overdue_reminder(mentor)

    result = send_due_reminders(NOW, batch=2)

    assert (result.claimed, result.emails, result.sent) == (3, 2, 3)
    by_recipient = {m.to[0]: m for m in mailoutbox}
    for reminder in (first, last):
        assert reminder.pairing.resident.preferred_name in by_recipient[mentor.user.email].body
    assert send_due_reminders(NOW, batch=2).claimed == 0


def test_the_manager_escalation_names_the_mentee_and_links_the_resident_page(
    house, manager, mentor, mailoutbox
):
    reminder = overdue_reminder(
        mentor, house=house, days=4, kind="manager_escalation", recipient=manager
    )
    send_due_reminders(NOW)
    message = mailoutbox[0]
    resident = reminder.pairing.resident
    assert message.to == [manager.email]
    assert (
        f"{resident.preferred_name} at Maple House (mentor {mentor.user.first_name})"
        in message.body
    )
    assert f"/residents/{resident.pk}/" in message.body
    assert resident.last_name not in message.body + message.alternatives[0][0]
    assert message.subject == f"{resident.preferred_name}'s mentor check-in is overdue by 4 days"
    assert "check-in overdue by 4 days (due " in message.body


def test_an_urgent_concern_email_carries_no_notes_or_concern_text(house, manager, mailoutbox):
    resident = f.ResidentFactory(house=house, last_name="Zebulonsky")
    urgent_reminder(
        manager,
        resident=resident,
        send_after=NOW,
        concern_note="Talked about relapse plans",
        notes="Private notes about the family",
        follow_up="Call the sponsor",
    )
    send_due_reminders(NOW)

    message = mailoutbox[0]
    everything = message.subject + message.body + message.alternatives[0][0]
    assert resident.preferred_name in message.subject
    for secret in ("relapse", "family", "sponsor", "Zebulonsky"):
        assert secret not in everything
    assert f"/residents/{resident.pk}/" in message.body


def test_the_training_email_names_the_course_and_the_date(mentor, mailoutbox):
    expiring_training_reminder(mentor, course="Naloxone refresher", expires_on=dt.date(2026, 4, 1))
    send_due_reminders(NOW)
    assert mailoutbox[0].subject == "Your Naloxone refresher training expires on 1 April"
    assert "Wednesday 1 April 2026" in mailoutbox[0].body


def test_names_with_html_are_escaped_in_html_and_plain_in_text(mentor, mailoutbox):
    reminder = overdue_reminder(mentor)
    reminder.pairing.resident.__class__.objects.filter(pk=reminder.pairing.resident_id).update(
        preferred_name="<b>Zoë</b> O'Neil"
    )
    send_due_reminders(NOW)
    message = mailoutbox[0]
    assert "<b>Zoë</b> O'Neil" in message.body
    assert "&lt;b&gt;Zoë&lt;/b&gt;" in message.alternatives[0][0]


def test_back_off_doubles_from_one_minute_and_is_capped():
    assert [backoff(n).total_seconds() / 60 for n in range(1, 6)] == [1, 2, 4, 8, 16]
    assert backoff(30) == dt.timedelta(hours=2)


def test_the_send_task_works_through_batch_after_batch(mentor, mentor2, monkeypatch, mailoutbox):
    monkeypatch.setattr("activity_log.reminders.send.SEND_BATCH", 1)
    monkeypatch.setattr("activity_log.reminders.send.timezone.now", lambda: NOW)
    overdue_reminder(mentor)
    overdue_reminder(mentor2)
    overdue_reminder(f.ClearedMentorFactory())
    assert send_reminders.apply().get()["sent"] == 3
    assert len(mailoutbox) == 3
