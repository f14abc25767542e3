"""STOP from a phone (the provider's webhook, signature checked) turns texts off for the number."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from mentoring_site.models import TextOptOut

URL = reverse("sms_inbound")
TOKEN = "webhook-token"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.SITE_URL = "https://mentoring.example.org"


def _post(client, body: str, *, phone="+12125550143", token=TOKEN, signature=None):
    data = {"From": phone, "To": "+15550006666", "Body": body, "MessageSid": "SM1"}
    if signature is None:
        signature = RequestValidator(token).compute_signature(
            "https://mentoring.example.org" + URL, data
        )
    return client.post(URL, data, HTTP_X_TWILIO_SIGNATURE=signature)


@pytest.mark.django_db
def test_a_bad_signature_is_refused_and_changes_nothing(client):
    assert _post(client, "STOP", token="someone-else").status_code == 403
    assert _post(client, "STOP", signature="").status_code == 403
    assert not TextOptOut.objects.exists()


@pytest.mark.django_db
def test_stop_turns_texts_off_and_start_back_on(client):
    response = _post(client, "stop")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert TextOptOut.objects.filter(phone="+12125550143").exists()
    # Twice is harmless.
    assert _post(client, "STOP").status_code == 200
    assert TextOptOut.objects.count() == 1
    assert _post(client, "Start").status_code == 200
    assert not TextOptOut.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("word", ["UNSUBSCRIBE", "Cancel", "end", "QUIT", "stopall"])
def test_the_other_opt_out_words_count(client, word):
    _post(client, word)
    assert TextOptOut.objects.filter(phone="+12125550143").exists()


@pytest.mark.django_db
def test_another_message_changes_nothing(client):
    TextOptOut.objects.create(phone="+12125550143", stopped_at=timezone.now())
    assert _post(client, "thanks, see you tuesday").status_code == 200
    assert TextOptOut.objects.count() == 1


@pytest.mark.django_db
def test_without_a_configured_token_every_request_is_refused(client, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    assert _post(client, "STOP", token="").status_code == 403


def test_a_signed_in_staff_browser_is_no_way_around_the_signature(as_user, manager):
    client = as_user(manager)
    assert _post(client, "STOP", token="wrong").status_code == 403
