"""The author may edit or remove a contact for 24 hours; after that it is locked and takes addenda."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.models import ContactAddendum, ContactLog
from tests import factories as f
from tests.activity_log.contact_support import form_data, pairing_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def pairing(mentor, house):
    return pairing_for(mentor, house=house)


@pytest.fixture
def contact(pairing):
    return f.ContactLogFactory(pairing=pairing, notes="Original notes")


def _lock(contact):
    ContactLog.objects.filter(pk=contact.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=24, seconds=1)
    )


def test_the_author_edits_within_24_hours(as_user, mentor, contact):
    response = as_user(mentor.user).post(
        reverse("activity_log:contact_edit", args=[contact.pk]),
        form_data(method="phone", duration_minutes="20", notes="Corrected"),
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.method, contact.duration_minutes, contact.notes) == ("phone", 20, "Corrected")


def test_editing_after_24_hours_is_refused_with_the_typed_text_kept(as_user, mentor, contact):
    _lock(contact)
    client = as_user(mentor.user)
    url = reverse("activity_log:contact_edit", args=[contact.pk])
    assert client.get(url).url == reverse("activity_log:contact_addendum", args=[contact.pk])
    response = client.post(url, form_data(notes="Typed after the lock"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "locked" in html and "Typed after the lock" in html
    contact.refresh_from_db()
    assert contact.notes == "Original notes"


def test_removing_asks_first_then_removes_within_24_hours(as_user, mentor, contact, pairing):
    client = as_user(mentor.user)
    url = reverse("activity_log:contact_remove", args=[contact.pk])
    page = client.get(url)
    assert page.status_code == 200 and "data-confirm" in page.content.decode()
    assert ContactLog.objects.exists()
    response = client.post(url)
    assert response.url == reverse("activity_log:pairing_history", args=[pairing.pk])
    assert not ContactLog.objects.exists()


def test_removing_after_24_hours_is_refused(as_user, mentor, contact):
    _lock(contact)
    response = as_user(mentor.user).post(reverse("activity_log:contact_remove", args=[contact.pk]))
    assert response.status_code == 400
    assert "locked" in response.content.decode()
    assert ContactLog.objects.filter(pk=contact.pk).exists()


def test_a_locked_contact_takes_an_addendum(as_user, mentor, contact):
    _lock(contact)
    client = as_user(mentor.user)
    url = reverse("activity_log:contact_addendum", args=[contact.pk])
    response = client.post(url, {"text": "Forgot: we also talked about <b>housing</b>."})
    assert response.status_code == 302
    history = client.get(response.url).content.decode()
    assert "Forgot: we also talked about &lt;b&gt;housing&lt;/b&gt;." in history
    assert "Original notes" in history


def test_an_empty_addendum_shows_a_message_and_saves_nothing(as_user, mentor, contact):
    response = as_user(mentor.user).post(
        reverse("activity_log:contact_addendum", args=[contact.pk]), {"text": ""}
    )
    assert response.status_code == 200
    assert "required" in response.content.decode()
    assert not ContactAddendum.objects.exists()


@pytest.mark.parametrize(
    "name", ["contact_edit", "contact_remove", "contact_addendum", "contact_saved"]
)
def test_another_mentor_gets_404(as_user, mentor2, contact, name):
    client = as_user(mentor2.user)
    url = reverse(f"activity_log:{name}", args=[contact.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, form_data(text="x")).status_code == 404
    assert ContactLog.objects.get(pk=contact.pk).notes == "Original notes"


@pytest.mark.parametrize("name", ["contact_edit", "contact_remove"])
def test_a_manager_cannot_edit_or_remove_a_mentors_contact(as_user, manager, contact, name):
    assert (
        as_user(manager).get(reverse(f"activity_log:{name}", args=[contact.pk])).status_code == 404
    )


def test_the_house_manager_may_add_an_addendum_and_another_house_may_not(
    as_user, manager, manager2, contact
):
    url = reverse("activity_log:contact_addendum", args=[contact.pk])
    assert as_user(manager2).post(url, {"text": "Not mine"}).status_code == 404
    assert as_user(manager).post(url, {"text": "Spoke with the resident too."}).status_code == 302
    assert ContactAddendum.objects.get().created_by == manager


@pytest.mark.parametrize(
    "name", ["contact_edit", "contact_remove", "contact_addendum", "contact_saved"]
)
def test_anonymous_is_sent_to_login(client, contact, name):
    response = client.get(reverse(f"activity_log:{name}", args=[contact.pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_the_history_offers_edit_only_while_unlocked(as_user, mentor, contact, pairing):
    client = as_user(mentor.user)
    url = reverse("activity_log:pairing_history", args=[pairing.pk])
    assert (
        reverse("activity_log:contact_edit", args=[contact.pk]) in client.get(url).content.decode()
    )
    _lock(contact)
    html = client.get(url).content.decode()
    assert reverse("activity_log:contact_edit", args=[contact.pk]) not in html
    assert reverse("activity_log:contact_addendum", args=[contact.pk]) in html


@pytest.fixture
def urgent(pairing):
    return f.ContactLogFactory(
        pairing=pairing, concern_level=ContactLog.Concern.URGENT, concern_note="Talked of using"
    )


def test_an_unacknowledged_urgent_concern_cannot_be_edited_down(as_user, mentor, urgent):
    response = as_user(mentor.user).post(
        reverse("activity_log:contact_edit", args=[urgent.pk]),
        form_data(concern_level="none", notes="Typed while editing"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "no manager has acknowledged" in html and "Typed while editing" in html
    urgent.refresh_from_db()
    assert urgent.concern_level == ContactLog.Concern.URGENT
    assert urgent.notes != "Typed while editing"


def test_an_unacknowledged_urgent_concern_cannot_be_removed(as_user, mentor, urgent):
    response = as_user(mentor.user).post(reverse("activity_log:contact_remove", args=[urgent.pk]))
    assert response.status_code == 400
    assert "no manager has acknowledged" in response.content.decode()
    assert ContactLog.objects.filter(pk=urgent.pk, concern_level="urgent").exists()


def test_once_acknowledged_the_author_may_edit_it_down_or_remove_it(
    as_user, mentor, manager, urgent
):
    ContactLog.objects.filter(pk=urgent.pk).update(
        acknowledged_at=timezone.now(), acknowledged_by=manager
    )
    client = as_user(mentor.user)
    edited = client.post(
        reverse("activity_log:contact_edit", args=[urgent.pk]), form_data(concern_level="watch")
    )
    assert edited.status_code == 302
    urgent.refresh_from_db()
    assert urgent.concern_level == ContactLog.Concern.WATCH
    removed = client.post(reverse("activity_log:contact_remove", args=[urgent.pk]))
    assert removed.status_code == 302
    assert not ContactLog.objects.filter(pk=urgent.pk).exists()
