"""A contact queued on the phone while offline (static/js/outbox.js) may reach the server several
times: the page and the service worker both try, a retry follows an answer that was lost. The
server saves it once. The replayed POST carries the CSRF token stored with it, or the one from
the page that sends it: Django checks the token against the CSRF cookie, which only a new
sign-in rotates."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from activity_log.models import ContactLog
from tests.activity_log.contact_support import form_data, pairing_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def pairing(mentor, house):
    return pairing_for(mentor, house=house)


def _csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _token(client, url) -> str:
    html = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_the_same_queued_post_replayed_several_times_saves_one_contact(mentor, pairing):
    client = _csrf_client(mentor.user)
    url = reverse("activity_log:contact_new", args=[pairing.pk])
    queued = form_data(notes="Logged on the bus", csrfmiddlewaretoken=_token(client, url))
    answers = [client.post(url, queued) for _ in range(4)]
    contact = ContactLog.objects.get()
    assert contact.notes == "Logged on the bus"
    saved = reverse("activity_log:contact_saved", args=[contact.pk])
    assert [(a.status_code, a.url) for a in answers] == [(302, saved)] * 4
    # A later page's token (what offline.js sends with) is as good: same cookie, same secret.
    again = {**queued, "csrfmiddlewaretoken": _token(client, reverse("activity_log:my_mentees"))}
    assert client.post(url, again).url == saved
    assert ContactLog.objects.count() == 1


def test_a_token_from_before_a_new_sign_in_is_refused_and_the_fresh_one_saves(mentor, pairing):
    client = _csrf_client(mentor.user)
    url = reverse("activity_log:contact_new", args=[pairing.pk])
    queued = form_data(csrfmiddlewaretoken=_token(client, url))
    # The session ended and the mentor signed in again, with a new CSRF cookie (the test
    # client's logout drops its cookies; a real sign-in rotates the token).
    client.logout()
    assert settings.CSRF_COOKIE_NAME not in client.cookies
    client.force_login(mentor.user, backend="django.contrib.auth.backends.ModelBackend")
    client.get(reverse("activity_log:my_mentees"))
    # The outbox keeps the contact ("waiting") on a 403 ...
    assert client.post(url, queued).status_code == 403
    assert not ContactLog.objects.exists()
    # ... and the next page's token sends it.
    fresh = {**queued, "csrfmiddlewaretoken": _token(client, url)}
    assert client.post(url, fresh).status_code == 302
    assert ContactLog.objects.count() == 1
