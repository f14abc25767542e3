"""A manager has a resident's feedback (or recovery-check) link texted to them, through the
reminder outbox: sent once, the link made as the text goes, only where consent and a phone allow."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.feedback import services
from activity_log.feedback.models import AssessmentLink, FeedbackRequest
from activity_log.models import Reminder
from activity_log.reminders.send import send_due_reminders
from mentoring_site import sms
from mentoring_site.models import TextOptOut
from tests import factories as f
from tests.activity_log.feedback.support import response_for
from tests.activity_log.test_send_two_processes import daytime_zone

pytestmark = pytest.mark.django_db

PHONE = "+12125550177"


@pytest.fixture
def day_house(manager):
    return f.HouseFactory(name="Maple House", managers=[manager], time_zone=daytime_zone())


@pytest.fixture
def resident(day_house):
    resident = f.ResidentFactory(
        house=day_house,
        preferred_name="Rosa",
        first_name="Rosalind",
        last_name="Quennell",
        phone="(212) 555-0177",
    )
    f.ConsentRecordFactory(resident=resident)
    return resident


@pytest.fixture
def pairing(resident):
    mentor = f.ClearedMentorFactory(user__first_name="Kim", user__last_name="Abernathy-Lowe")
    return f.PairingFactory(mentor=mentor, resident=resident)


@pytest.fixture
def waiting(pairing):
    return services.feedback_request_create(pairing=pairing, trigger="fourth_contact")


def _text_url(request):
    return reverse("activity_log:feedback_request_text", args=[request.pk])


def test_the_link_is_texted_once_and_works(as_user, manager, waiting, settings):
    settings.SITE_URL = "https://mentoring.example.org"
    client = as_user(manager)
    response = client.post(_text_url(waiting), follow=True)
    assert "will be texted to Rosa" in response.content.decode()
    # A second click (or another manager) queues nothing more.
    response = client.post(_text_url(waiting), follow=True)
    assert "already texted" in response.content.decode()
    [row] = Reminder.objects.all()
    assert (row.kind, row.channel, row.resident_id) == ("feedback_link", "sms", waiting.resident_id)

    send_due_reminders()
    send_due_reminders(timezone.now() + dt.timedelta(minutes=5))

    [text] = sms.outbox
    assert text.to == PHONE
    token = re.search(r"https://mentoring\.example\.org/f/([\w-]+)/", text.body).group(1)
    waiting.refresh_from_db()
    assert waiting.token_hash == services.token_hash(token)
    assert waiting.is_open()
    # First names only.
    assert "Rosa" in text.body and "Kim" in text.body
    for private in ("Rosalind", "Quennell", "Abernathy-Lowe"):
        assert private not in text.body
    # The link answers.
    page = client.get(reverse("activity_log:feedback_form", args=[token]))
    assert page.status_code == 200
    # The resident page says it went.
    section = client.get(reverse("activity_log:feedback_resident", args=[waiting.resident_id]))
    assert "texted" in section.content.decode()


def test_asking_now_by_text_makes_a_request_and_queues_its_text(
    as_user, manager, resident, pairing
):
    client = as_user(manager)
    client.post(reverse("activity_log:feedback_request_new_text", args=[resident.pk]))
    request = FeedbackRequest.objects.get(resident=resident, trigger="manual")
    assert request.token_hash is None  # made only when the text goes
    assert Reminder.objects.filter(feedback_request=request, channel="sms").count() == 1
    send_due_reminders()
    assert len(sms.outbox) == 1


def test_feedback_given_before_the_text_went_drops_it(as_user, manager, waiting):
    as_user(manager).post(_text_url(waiting))
    FeedbackRequest.objects.filter(pk=waiting.pk).update(used_at=timezone.now())
    result = send_due_reminders()
    assert result.dropped == 1
    assert sms.outbox == []


def test_texts_to_residents_wait_out_quiet_hours(as_user, manager, waiting, day_house):
    as_user(manager).post(_text_url(waiting))
    night = timezone.now().astimezone(day_house.zone).replace(hour=23)
    result = send_due_reminders(night)
    assert result.deferred == 1
    assert sms.outbox == []


@pytest.mark.parametrize("problem", ["no_consent", "bad_phone", "stopped", "left"])
def test_no_text_without_consent_a_usable_phone_or_after_stop(
    as_user, manager, resident, waiting, problem
):
    if problem == "no_consent":
        resident.consents.all().delete()
        why = "no active consent"
    elif problem == "bad_phone":
        resident.phone = "call the house"
        resident.save()
        why = "no phone number"
    elif problem == "stopped":
        TextOptOut.objects.create(phone=PHONE, stopped_at=timezone.now())
        why = "replied STOP"
    else:
        resident.status = "moved_out"
        resident.exit_date = timezone.localdate()
        resident.save()
        why = "no longer live in the house"
    client = as_user(manager)
    response = client.post(_text_url(waiting), follow=True)
    assert why in response.content.decode()
    assert not Reminder.objects.exists()
    section = client.get(reverse("activity_log:feedback_resident", args=[resident.pk]))
    assert "Text the link" not in section.content.decode()


def test_consent_withdrawn_after_queueing_drops_the_text(as_user, manager, resident, waiting):
    as_user(manager).post(_text_url(waiting))
    resident.consents.update(revoked_on=timezone.localdate())
    send_due_reminders()
    assert sms.outbox == []
    assert not Reminder.objects.exists()


def test_a_recovery_check_link_is_texted_once_a_day(as_user, manager, resident, settings):
    settings.SITE_URL = "https://mentoring.example.org"
    client = as_user(manager)
    url = reverse("activity_log:recovery_link_text", args=[resident.pk])
    client.post(url)
    client.post(url)
    assert Reminder.objects.filter(kind="recovery_link").count() == 1
    send_due_reminders()
    [text] = sms.outbox
    token = re.search(r"https://mentoring\.example\.org/f/r/([\w-]+)/", text.body).group(1)
    assert AssessmentLink.objects.get(token_hash=services.token_hash(token)).resident == resident
    assert "Quennell" not in text.body


def test_only_the_residents_managers_may_text(
    as_user, anonymous_client, manager2, mentor, waiting, resident
):
    urls = [
        _text_url(waiting),
        reverse("activity_log:feedback_request_new_text", args=[resident.pk]),
        reverse("activity_log:recovery_link_text", args=[resident.pk]),
    ]
    for url in urls:
        response = anonymous_client.post(url)
        assert response.status_code == 302 and reverse("account_login") in response["Location"]
    outsider = as_user(manager2)
    for url in urls:
        assert outsider.post(url).status_code == 404
    as_mentor = as_user(mentor.user)
    for url in urls:
        assert as_mentor.post(url).status_code == 404
    assert not Reminder.objects.exists()


def test_the_waiting_list_offers_the_text(as_user, manager, waiting, resident):
    section = as_user(manager).get(reverse("activity_log:feedback_resident", args=[resident.pk]))
    html = section.content.decode()
    assert _text_url(waiting) in html
    assert reverse("activity_log:feedback_request_new_text", args=[resident.pk]) in html


def test_answered_feedback_cannot_be_texted(as_user, manager, pairing):
    answered = response_for(pairing).request
    response = as_user(manager).post(_text_url(answered), follow=True)
    assert "already been given" in response.content.decode()
    assert not Reminder.objects.exists()


def test_a_failing_text_to_a_resident_shows_on_the_dashboard_for_its_house(
    as_user, manager, waiting, settings
):
    client = as_user(manager)
    client.post(_text_url(waiting))
    settings.SMS_BACKEND = "tests.activity_log.test_reminder_texts.FailingTexts"
    assert send_due_reminders().failed == 1
    html = client.get(reverse("activity_log:dashboard")).content.decode()
    assert "Reminders failing for Maple House" in html
