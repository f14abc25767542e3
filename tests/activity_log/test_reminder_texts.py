"""Reminders and urgent alerts by text: one outbox row per channel, each claimed, sent once and
retried on its own; first names and a link only; quiet hours as for email (urgent excepted)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from activity_log.models import ContactLog, Reminder
from activity_log.reminders.scan import scan_overdue
from activity_log.reminders.send import send_due_reminders
from matching.models import Pairing
from mentoring_site import sms
from mentoring_site.models import TextOptOut, TextPreference
from tests import factories as f

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)  # 11:00 in New York
NIGHT = dt.datetime(2026, 3, 11, 2, 30, tzinfo=dt.UTC)  # 22:30 in New York
EIGHT = dt.datetime(2026, 3, 11, 8, 0, tzinfo=NEW_YORK)
MINUTE = dt.timedelta(minutes=1)
SECOND = dt.timedelta(seconds=1)
FAILING_SMS = "tests.activity_log.test_reminder_texts.FailingTexts"


class FailingTexts:
    def send(self, message):
        raise ConnectionError(f"provider unreachable while texting {message.to}")


def texts_to(user, channel="both", phone="+12125550143"):
    TextPreference.objects.create(
        user=user, channel=channel, phone=phone, phone_verified_at=timezone.now()
    )


def overdue(mentor, *, at=NOW, house=None):
    house = house or f.HouseFactory(time_zone="America/New_York")
    resident = f.ResidentFactory(
        house=house, preferred_name="Rosa", first_name="Rosalind", last_name="Quennell"
    )
    pairing = f.PairingFactory(mentor=mentor, resident=resident)
    Pairing.objects.filter(pk=pairing.pk).update(next_due_at=at - dt.timedelta(days=1))
    return pairing


@pytest.fixture
def texting_mentor():
    mentor = f.ClearedMentorFactory(user__first_name="Sam", user__last_name="Okonkwo-Vale")
    texts_to(mentor.user)
    return mentor


def test_email_and_text_are_two_rows_each_sent_once(texting_mentor, mailoutbox):
    overdue(texting_mentor)
    scan_overdue(NOW, enqueue=False)
    assert sorted(Reminder.objects.values_list("channel", flat=True)) == ["email", "sms"]
    # A second scan writes nothing more.
    assert scan_overdue(NOW, enqueue=False).total == 0

    result = send_due_reminders(NOW)

    assert len(mailoutbox) == 1
    [text] = sms.outbox
    assert text.to == "+12125550143"
    assert result.sent == 2
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()
    send_due_reminders(NOW + MINUTE)
    assert (len(mailoutbox), len(sms.outbox)) == (1, 1)


@pytest.mark.parametrize(
    ("channel", "verified", "opted_out", "rows"),
    [
        ("text", True, False, ["sms"]),
        ("email", True, False, ["email"]),
        ("both", False, False, ["email"]),  # not verified: email only
        ("text", False, False, ["email"]),
        ("both", True, True, ["email"]),  # replied STOP
    ],
)
def test_the_channels_follow_the_choice(channel, verified, opted_out, rows):
    mentor = f.ClearedMentorFactory()
    TextPreference.objects.create(
        user=mentor.user,
        channel=channel,
        phone="+12125550143",
        phone_verified_at=timezone.now() if verified else None,
    )
    if opted_out:
        TextOptOut.objects.create(phone="+12125550143", stopped_at=NOW)
    overdue(mentor)
    scan_overdue(NOW, enqueue=False)
    assert sorted(Reminder.objects.values_list("channel", flat=True)) == rows


def test_a_text_names_first_names_only_and_carries_a_link(texting_mentor, settings):
    settings.SITE_URL = "https://mentoring.example.org"
    overdue(texting_mentor)
    scan_overdue(NOW, enqueue=False)
    send_due_reminders(NOW)
    [text] = sms.outbox
    assert "Rosa" in text.body and "Sam" in text.body
    for private in ("Rosalind", "Quennell", "Okonkwo-Vale"):
        assert private not in text.body
    assert "https://mentoring.example.org/" in text.body
    assert len(text.body) <= 320


def test_manager_escalation_text_names_first_names_only(settings):
    manager = f.ManagerUserFactory(first_name="Maria", last_name="Delacroix-Ng")
    texts_to(manager, "text")
    house = f.HouseFactory(time_zone="America/New_York", managers=[manager])
    mentor = f.ClearedMentorFactory(user__first_name="Sam", user__last_name="Okonkwo-Vale")
    overdue(mentor, house=house, at=NOW - dt.timedelta(days=5))
    scan_overdue(NOW, enqueue=False)
    send_due_reminders(NOW)
    [text] = [m for m in sms.outbox if m.to == "+12125550143"]
    assert "Rosa with Sam" in text.body
    for private in ("Rosalind", "Quennell", "Okonkwo-Vale", "Delacroix-Ng"):
        assert private not in text.body


def test_the_email_goes_while_the_text_fails_and_retries_on_its_own(
    texting_mentor, settings, mailoutbox
):
    overdue(texting_mentor)
    scan_overdue(NOW, enqueue=False)
    settings.SMS_BACKEND = FAILING_SMS

    result = send_due_reminders(NOW)

    assert len(mailoutbox) == 1
    email_row = Reminder.objects.get(channel="email")
    text_row = Reminder.objects.get(channel="sms")
    assert email_row.sent_at == NOW
    assert text_row.sent_at is None and text_row.failed_at is None
    assert text_row.attempts == 1
    assert text_row.claimed_until == NOW + MINUTE  # back-off
    # The error is kept without the number.
    assert "+1212" not in text_row.last_error and "ConnectionError" in text_row.last_error
    assert result.failed == 1

    # Still failing a minute later: backs off further; the email is not sent again.
    later = NOW + MINUTE + SECOND
    send_due_reminders(later)
    text_row.refresh_from_db()
    assert text_row.attempts == 2
    assert text_row.claimed_until == later + 2 * MINUTE
    assert len(mailoutbox) == 1

    settings.SMS_BACKEND = "mentoring_site.sms.backends.LocmemBackend"
    send_due_reminders(later + 2 * MINUTE + SECOND)
    text_row.refresh_from_db()
    assert text_row.sent_at == later + 2 * MINUTE + SECOND
    assert len(sms.outbox) == 1
    assert len(mailoutbox) == 1


def test_texts_wait_out_quiet_hours_like_emails(texting_mentor, mailoutbox):
    overdue(texting_mentor, at=NIGHT)
    scan_overdue(NIGHT, enqueue=False)
    assert set(Reminder.objects.values_list("channel", "send_after")) == {
        ("email", EIGHT),
        ("sms", EIGHT),
    }
    send_due_reminders(NIGHT)
    assert (len(mailoutbox), len(sms.outbox)) == (0, 0)
    send_due_reminders(EIGHT)
    assert (len(mailoutbox), len(sms.outbox)) == (1, 1)


def test_a_text_written_for_now_is_still_held_back_at_night(texting_mentor):
    pairing = overdue(texting_mentor, at=NIGHT)
    Reminder.objects.create(
        kind="mentor_overdue",
        channel="sms",
        pairing=pairing,
        subject_key=f"pairing:{pairing.pk}",
        due_at=NIGHT - dt.timedelta(days=1),
        recipient=texting_mentor.user,
        send_after=NIGHT,
    )
    result = send_due_reminders(NIGHT)
    assert result.deferred == 1
    assert sms.outbox == []
    assert Reminder.objects.get().send_after == EIGHT


def test_urgent_alerts_are_texted_at_night_too(mailoutbox):
    from activity_log.contacts.alerts import urgent_concern_raised

    manager = f.ManagerUserFactory(first_name="Maria")
    texts_to(manager)
    house = f.HouseFactory(time_zone="America/New_York", managers=[manager])
    resident = f.ResidentFactory(
        house=house, preferred_name="Rosa", first_name="Rosalind", last_name="Quennell"
    )
    contact = f.ContactLogFactory(
        pairing=f.PairingFactory(resident=resident),
        concern_level=ContactLog.Concern.URGENT,
        notes="private notes never texted",
    )
    urgent_concern_raised(contact, raised_at=NIGHT)
    assert sorted(Reminder.objects.values_list("channel", flat=True)) == ["email", "sms"]
    Reminder.objects.update(send_after=NIGHT)

    send_due_reminders(NIGHT)

    assert len(mailoutbox) == 1
    [text] = sms.outbox
    assert "URGENT" in text.body and "Rosa" in text.body
    assert "Quennell" not in text.body and "private notes" not in text.body


def test_a_number_that_replied_stop_after_the_row_was_written_gets_email(
    texting_mentor, mailoutbox
):
    TextPreference.objects.filter(user=texting_mentor.user).update(channel="text")
    overdue(texting_mentor)
    scan_overdue(NOW, enqueue=False)
    assert list(Reminder.objects.values_list("channel", flat=True)) == ["sms"]
    TextOptOut.objects.create(phone="+12125550143", stopped_at=NOW)

    send_due_reminders(NOW)
    send_due_reminders(NOW + SECOND)

    assert sms.outbox == []
    assert len(mailoutbox) == 1
    assert Reminder.objects.get().channel == "email"


def test_a_text_naming_a_resident_is_an_audited_disclosure(texting_mentor):
    from mentoring_site.models import AuditEvent

    pairing = overdue(texting_mentor)
    scan_overdue(NOW, enqueue=False)
    send_due_reminders(NOW)
    paths = set(
        AuditEvent.objects.filter(action="disclose", resident_id=pairing.resident_id).values_list(
            "path", flat=True
        )
    )
    user = texting_mentor.user.pk
    assert paths == {f"emailed to user {user}", f"texted to user {user}"}


def test_choosing_text_later_adds_no_text_for_a_reminder_already_written():
    mentor = f.ClearedMentorFactory()
    overdue(mentor)
    scan_overdue(NOW, enqueue=False)
    texts_to(mentor.user)
    assert scan_overdue(NOW + MINUTE, enqueue=False).total == 0
    assert list(Reminder.objects.values_list("channel", flat=True)) == ["email"]


def test_a_new_mentee_notice_goes_by_text_too(texting_mentor, mailoutbox):
    from activity_log.reminders.notices import new_mentee_notice

    house = f.HouseFactory(time_zone="America/New_York", name="Maple House")
    resident = f.ResidentFactory(
        house=house, preferred_name="Rosa", first_name="Rosalind", last_name="Quennell"
    )
    pairing = f.PairingFactory(mentor=texting_mentor, resident=resident)
    Reminder.objects.all().delete()  # whatever pairing creation wrote; the notice alone here
    new_mentee_notice(pairing=pairing, now=NOW)
    assert sorted(Reminder.objects.values_list("channel", flat=True)) == ["email", "sms"]
    send_due_reminders(NOW)
    [text] = sms.outbox
    assert "New mentee: Rosa (Maple House)" in text.body
    assert "Quennell" not in text.body and "Rosalind" not in text.body
    assert len(mailoutbox) == 1
