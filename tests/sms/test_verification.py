"""Email / text / both, a phone in E.164, and its 6-digit code (expiry, attempts, throttle)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from mentoring_site import sms
from mentoring_site.models import TextOptOut, TextPreference
from mentoring_site.sms import verification
from mentoring_site.sms.phone import to_e164

URL = reverse("text_settings")


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("(555) 201-3344", None),  # not a number in service
        ("(212) 555-0143", "+12125550143"),
        ("212.555.0143", "+12125550143"),
        ("+44 7911 123456", "+447911123456"),
    ],
)
def test_numbers_are_stored_in_e164(typed, e164):
    if e164 is None:
        with pytest.raises(ValidationError):
            to_e164(typed)
    else:
        assert to_e164(typed) == e164


@pytest.mark.parametrize("typed", ["12", "call me", "+1 212 555", "2125550143999"])
def test_bad_numbers_are_refused(typed):
    with pytest.raises(ValidationError):
        to_e164(typed)


def _code_from_outbox() -> str:
    return re.search(r"\b(\d{6})\b", sms.outbox[-1].body).group(1)


def _save(client, channel="text", phone="(212) 555-0143"):
    return client.post(URL, {"action": "save", "channel": channel, "phone": phone})


def test_a_bad_number_is_refused_on_the_form_and_kept(as_user, mentor):
    client = as_user(mentor.user)
    response = _save(client, phone="212 555 01")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a phone number we can text" in html
    assert 'value="212 555 01"' in html
    assert not TextPreference.objects.filter(user=mentor.user, phone__gt="").exists()
    assert sms.outbox == []


def test_text_without_a_number_is_refused(as_user, mentor):
    response = _save(as_user(mentor.user), phone="")
    assert "Add the number to text, or choose email." in response.content.decode()


def test_saving_a_number_texts_a_code_and_the_right_code_verifies_it(as_user, mentor):
    client = as_user(mentor.user)
    response = _save(client)
    assert response.status_code == 302
    preference = TextPreference.objects.get(user=mentor.user)
    assert (preference.channel, preference.phone) == ("text", "+12125550143")
    assert preference.phone_verified_at is None
    [message] = sms.outbox
    assert message.to == "+12125550143"
    code = _code_from_outbox()
    assert code not in preference.code_hash  # only its HMAC is stored
    page = client.get(URL).content.decode()
    assert "not verified yet" in page and 'name="code"' in page

    response = client.post(URL, {"action": "verify", "code": code})
    assert response.status_code == 302
    preference.refresh_from_db()
    assert preference.is_verified
    assert preference.code_hash == ""
    assert "verified" in client.get(URL).content.decode()


def test_a_wrong_code_says_how_many_tries_are_left_and_keeps_what_was_typed(as_user, mentor):
    client = as_user(mentor.user)
    _save(client)
    code = _code_from_outbox()
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(URL, {"action": "verify", "code": wrong})
    html = response.content.decode()
    assert "That code is not right: 4 tries left." in html
    assert f'value="{wrong}"' in html
    assert not TextPreference.objects.get(user=mentor.user).is_verified


def test_five_wrong_codes_spend_the_code_even_for_the_right_one(mentor):
    verification.preference_update(user=mentor.user, channel="both", phone="+12125550143")
    verification.code_send(user=mentor.user)
    code = _code_from_outbox()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(verification.MAX_ATTEMPTS):
        with pytest.raises(ValidationError):
            verification.code_check(user=mentor.user, code=wrong)
    with pytest.raises(ValidationError) as caught:
        verification.code_check(user=mentor.user, code=code)
    assert caught.value.code == "too_many_attempts"
    assert not TextPreference.objects.get(user=mentor.user).is_verified


def test_an_expired_code_does_not_verify(mentor):
    verification.preference_update(user=mentor.user, channel="text", phone="+12125550143")
    sent_at = timezone.now() - verification.CODE_TTL - dt.timedelta(seconds=1)
    verification.code_send(user=mentor.user, now=sent_at)
    with pytest.raises(ValidationError) as caught:
        verification.code_check(user=mentor.user, code=_code_from_outbox())
    assert caught.value.code == "expired"
    assert not TextPreference.objects.get(user=mentor.user).is_verified


def test_a_new_code_waits_a_minute_and_replaces_the_old_one(mentor):
    verification.preference_update(user=mentor.user, channel="text", phone="+12125550143")
    start = timezone.now()
    verification.code_send(user=mentor.user, now=start)
    first = _code_from_outbox()
    with pytest.raises(verification.Throttled):
        verification.code_send(user=mentor.user, now=start + dt.timedelta(seconds=30))
    assert len(sms.outbox) == 1
    verification.code_send(user=mentor.user, now=start + verification.RESEND_AFTER)
    second = _code_from_outbox()
    if first != second:
        with pytest.raises(ValidationError):
            verification.code_check(user=mentor.user, code=first)
    verification.code_check(user=mentor.user, code=second)
    assert TextPreference.objects.get(user=mentor.user).is_verified


def test_changing_the_number_needs_a_new_verification(mentor):
    verification.preference_update(user=mentor.user, channel="text", phone="+12125550143")
    verification.code_send(user=mentor.user)
    verification.code_check(user=mentor.user, code=_code_from_outbox())
    preference = verification.preference_update(
        user=mentor.user, channel="text", phone="+12125550199"
    )
    assert not preference.is_verified


def test_a_number_that_replied_stop_gets_no_code(mentor):
    TextOptOut.objects.create(phone="+12125550143", stopped_at=timezone.now())
    verification.preference_update(user=mentor.user, channel="text", phone="+12125550143")
    with pytest.raises(ValidationError, match="STOP"):
        verification.code_send(user=mentor.user)
    assert sms.outbox == []


def test_staff_have_the_page_too(as_user, manager):
    client = as_user(manager)
    assert client.get(URL).status_code == 200
    _save(client, channel="both")
    assert TextPreference.objects.get(user=manager).channel == "both"
    assert len(sms.outbox) == 1


def test_anonymous_is_sent_to_sign_in(anonymous_client):
    response = anonymous_client.get(URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_a_failing_provider_is_reported_on_the_page(as_user, mentor, settings):
    settings.SMS_BACKEND = "tests.sms.test_verification.BrokenBackend"
    client = as_user(mentor.user)
    response = _save(client)
    page = client.get(response["Location"]).content.decode()
    assert "We could not send the code just now" in page


class BrokenBackend:
    def send(self, message):
        raise ConnectionError("provider down")
