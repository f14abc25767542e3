"""The resident's one-time link: works once, for FEEDBACK_LINK_DAYS, and only with the real token."""

import datetime as dt
import hashlib
import secrets

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.feedback import services, views
from activity_log.feedback.models import FeedbackRequest, FeedbackResponse
from mentoring_site import security
from mentoring_site.models import AuditEvent
from residents.models import Resident
from tests.activity_log.feedback.support import answers, issued_link, pairing_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit(settings):
    # Each test starts with an empty per-IP counter.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def pairing(house, mentor):
    # A made-up name, so "not in the page" cannot fail on a random name that is also a word
    # of the page or the mentor's.
    pairing = pairing_in(house, mentor)
    Resident.objects.filter(pk=pairing.resident_id).update(preferred_name="Oriel")
    pairing.resident.refresh_from_db()
    return pairing


def url(token: str) -> str:
    return reverse("activity_log:feedback_form", args=[token])


def test_a_fresh_link_shows_the_five_questions_without_sign_in(client, pairing):
    _, token = issued_link(pairing)
    response = client.get(url(token))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Sam" in body  # the mentor's first name, nothing about the resident
    for question in ("show up", "listen", "help with your goals", "different mentor"):
        assert question in body
    assert pairing.resident.preferred_name not in body
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_token_is_256_bits_and_only_its_hash_is_stored(pairing):
    request, token = issued_link(pairing)
    assert len(token) >= 43  # token_urlsafe(32): 32 random bytes
    request.refresh_from_db()
    assert request.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not FeedbackRequest.objects.filter(token_hash=token).exists()
    assert request.expires_at - request.issued_at == dt.timedelta(days=14)


def test_submitting_saves_the_answers_once_and_spends_the_link(client, pairing):
    request, token = issued_link(pairing)
    response = client.post(url(token), answers(comment="  Sam is great.  "))
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    saved = FeedbackResponse.objects.get()
    assert (saved.shows_up, saved.listens, saved.helps_goals) == (4, 5, 4)
    assert saved.wants_new_mentor is False
    assert saved.comment == "Sam is great."
    assert (saved.resident_id, saved.mentor_id, saved.pairing_id) == (
        pairing.resident_id,
        pairing.mentor_id,
        pairing.pk,
    )
    request.refresh_from_db()
    assert request.used_at is not None


def test_a_used_link_shows_a_kind_page_and_saves_nothing_more(client, pairing):
    _, token = issued_link(pairing)
    client.post(url(token), answers())
    again = client.get(url(token))
    assert again.status_code == 404
    assert "This link no longer works" in again.content.decode()
    resent = client.post(url(token), answers(shows_up="1"))
    assert resent.status_code == 404
    assert FeedbackResponse.objects.count() == 1


def test_an_expired_link_shows_a_kind_page(client, pairing, settings):
    request, token = issued_link(pairing)
    FeedbackRequest.objects.filter(pk=request.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    for response in (client.get(url(token)), client.post(url(token), answers())):
        assert response.status_code == 404
        assert "This link no longer works" in response.content.decode()
    assert not FeedbackResponse.objects.exists()


@pytest.mark.parametrize(
    "forged",
    [
        "nothing-here",
        secrets.token_urlsafe(32),
        "x" * 500,
        "%00",
    ],
    ids=["word", "random-token", "long", "null-byte"],
)
def test_an_unknown_or_forged_token_shows_a_kind_page(client, pairing, forged):
    issued_link(pairing)
    response = client.get(f"/f/{forged}/")
    assert response.status_code == 404
    assert "This link no longer works" in response.content.decode()


def test_the_stored_hash_is_not_a_token(client, pairing):
    """Someone who read the database (or the admin) cannot answer with what they saw."""
    request, _ = issued_link(pairing)
    request.refresh_from_db()
    response = client.get(url(request.token_hash))
    assert response.status_code == 404


def test_printing_a_new_slip_makes_the_old_link_stop_working(client, pairing):
    request, old = issued_link(pairing)
    new = services.feedback_link_issue(request=request)
    assert client.get(url(old)).status_code == 404
    assert client.get(url(new)).status_code == 200


def test_another_residents_token_answers_only_for_that_residents_pairing(
    client, house, mentor, mentor2, pairing
):
    other = pairing_in(house, mentor2)
    mine, my_token = issued_link(pairing)
    theirs, their_token = issued_link(other)
    client.post(url(their_token), answers(shows_up="2"))
    saved = FeedbackResponse.objects.get()
    assert (saved.pairing_id, saved.mentor_id) == (other.pk, other.mentor_id)
    mine.refresh_from_db()
    assert mine.used_at is None
    assert client.get(url(my_token)).status_code == 200


def test_a_missing_answer_is_explained_and_the_comment_is_kept(client, pairing):
    _, token = issued_link(pairing)
    response = client.post(url(token), answers(listens="", comment="Keep this, please"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose a number from 1 to 5." in body
    assert "Keep this, please" in body
    assert 'value="4"' in body and "checked" in body  # the chosen chips stay chosen
    assert not FeedbackResponse.objects.exists()


def test_a_comment_over_1000_characters_is_refused_and_kept(client, pairing):
    _, token = issued_link(pairing)
    long = "a" * 1001
    response = client.post(url(token), answers(comment=long))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Keep it under 1,000 characters" in body
    assert long in body
    assert client.post(url(token), answers(comment="a" * 1000)).status_code == 200


def test_out_of_range_scores_are_refused(client, pairing):
    _, token = issued_link(pairing)
    response = client.post(url(token), answers(shows_up="9", wants_new_mentor="maybe"))
    assert response.status_code == 400
    assert not FeedbackResponse.objects.exists()


def test_the_endpoint_is_rate_limited_per_ip(client, pairing, monkeypatch):
    monkeypatch.setattr(views, "RATE_LIMIT", 3)
    _, token = issued_link(pairing)
    codes = [client.get(url(token)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    busy = client.get(url(token))
    assert "Please try again in a few minutes" in busy.content.decode()
    other_ip = client.get(url(token), REMOTE_ADDR="10.1.2.3")
    assert other_ip.status_code == 200


def test_answers_carry_no_ip_and_write_no_audit_row(client, pairing):
    _, token = issued_link(pairing)
    client.post(url(token), answers())
    names = {field.name for field in FeedbackResponse._meta.get_fields()}
    assert not {"ip", "ip_address", "user", "user_agent"} & names
    assert not AuditEvent.objects.exists()


def test_a_signed_in_manager_without_two_factor_can_still_open_a_link(
    as_user, manager, pairing, monkeypatch
):
    """The staff two-factor gate guards staff pages, not a resident's link opened on a
    manager's phone."""
    monkeypatch.setattr(security, "passed_mfa", lambda request: False)
    client = as_user(manager)
    _, token = issued_link(pairing)
    assert client.get(reverse("activity_log:dashboard")).status_code == 302
    assert client.get(url(token)).status_code == 200
