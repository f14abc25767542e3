"""Acknowledging an urgent concern from the dashboard: service and view."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from activity_log.contacts.concerns import concern_acknowledge
from activity_log.models import ContactLog
from mentoring_site.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def concern(house):
    pairing = f.PairingFactory(
        resident__house=house, resident__preferred_name="Quinn", started_on=timezone.localdate()
    )
    return f.ContactLogFactory(pairing=pairing, concern_level="urgent", concern_note="Not safe")


def url(contact) -> str:
    return reverse("activity_log:concern_acknowledge", args=[contact.pk])


# --- Service -------------------------------------------------------------------------------------


def test_service_records_who_when_and_the_note(concern, manager):
    concern_acknowledge(contact=concern, user=manager, note="  Called her; safe tonight  ")
    concern.refresh_from_db()
    assert concern.acknowledged_by == manager
    assert concern.acknowledged_at is not None
    assert concern.acknowledgement_note == "Called her; safe tonight"


@pytest.mark.parametrize("note", ["", "   ", "x" * 501])
def test_service_refuses_an_empty_or_overlong_note(concern, manager, note):
    with pytest.raises(ValidationError) as info:
        concern_acknowledge(contact=concern, user=manager, note=note)
    assert "note" in info.value.message_dict
    concern.refresh_from_db()
    assert concern.acknowledged_at is None


def test_service_refuses_a_second_acknowledgement(concern, manager, manager2):
    concern_acknowledge(contact=concern, user=manager, note="First")
    stale = ContactLog.objects.get(pk=concern.pk)
    stale.acknowledged_at = None  # a copy loaded before the first acknowledgement
    with pytest.raises(ValidationError):
        concern_acknowledge(contact=stale, user=manager2, note="Second")
    concern.refresh_from_db()
    assert concern.acknowledgement_note == "First"
    assert concern.acknowledged_by == manager


def test_service_refuses_concerns_that_are_not_urgent(house, manager):
    contact = f.ContactLogFactory(pairing__resident__house=house, concern_level="watch")
    with pytest.raises(ValidationError):
        concern_acknowledge(contact=contact, user=manager, note="Seen")


# --- View ----------------------------------------------------------------------------------------


def test_manager_acknowledges_and_the_concern_leaves_the_list(as_user, manager, concern):
    client = as_user(manager)
    response = client.post(url(concern), {"note": "Called, safety plan in place"})
    assert response.status_code == 302
    assert response["Location"] == reverse("activity_log:dashboard")
    page = client.get(response["Location"])
    assert page.context["urgent"].total == 0
    assert "Concern acknowledged" in page.content.decode()
    concern.refresh_from_db()
    assert concern.acknowledged_by == manager


def test_the_house_filter_is_kept_after_acknowledging(as_user, manager, concern, house):
    response = as_user(manager).post(url(concern), {"note": "Done", "house": house.pk})
    assert response["Location"] == f"{reverse('activity_log:dashboard')}?house={house.pk}"


def test_an_empty_note_is_refused_beside_the_field_and_nothing_saved(as_user, manager, concern):
    response = as_user(manager).post(url(concern), {"note": "  "})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Say in a few words what you did" in html
    assert f'id="ack-error-{concern.pk}"' in html
    concern.refresh_from_db()
    assert concern.acknowledged_at is None


def test_a_refused_note_keeps_the_typed_text_escaped(as_user, manager, concern):
    typed = "<b>Called</b> ünïcödé " + "x" * 500
    response = as_user(manager).post(url(concern), {"note": typed})
    html = response.content.decode()
    assert "&lt;b&gt;Called&lt;/b&gt; ünïcödé" in html
    assert "<b>Called</b>" not in html
    concern.refresh_from_db()
    assert concern.acknowledged_at is None


def test_html_in_a_note_is_stored_as_text(as_user, manager, concern):
    as_user(manager).post(url(concern), {"note": "<script>alert(1)</script>"})
    concern.refresh_from_db()
    assert concern.acknowledgement_note == "<script>alert(1)</script>"


def test_a_double_submit_records_one_acknowledgement(as_user, manager, concern):
    client = as_user(manager)
    client.post(url(concern), {"note": "First"})
    second = client.post(url(concern), {"note": "Second"}, follow=True)
    assert second.status_code == 200
    assert "already acknowledged" in second.content.decode()
    concern.refresh_from_db()
    assert concern.acknowledgement_note == "First"


def test_acknowledging_is_audited_with_the_resident(as_user, manager, concern):
    as_user(manager).post(url(concern), {"note": "Done"})
    event = AuditEvent.objects.get(action="change")
    assert event.object_type == "activity_log.contactlog"
    assert event.object_id == str(concern.pk)
    assert event.resident_id == concern.pairing.resident_id


def test_manager_of_another_house_gets_404(as_user, manager2, concern):
    response = as_user(manager2).post(url(concern), {"note": "Not mine"})
    assert response.status_code == 404
    concern.refresh_from_db()
    assert concern.acknowledged_at is None


def test_mentors_get_404(as_user, concern):
    response = as_user(concern.pairing.mentor.user).post(url(concern), {"note": "Me"})
    assert response.status_code == 404


def test_anonymous_users_are_sent_to_login(client, concern):
    response = client.post(url(concern), {"note": "Me"})
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_get_is_not_allowed(as_user, manager, concern):
    assert as_user(manager).get(url(concern)).status_code == 405


def test_a_contact_that_is_not_urgent_is_404(as_user, manager, house):
    contact = f.ContactLogFactory(pairing__resident__house=house, concern_level="watch")
    assert as_user(manager).post(url(contact), {"note": "x"}).status_code == 404


def test_admin_can_acknowledge_any_house(as_user, program_admin, concern):
    response = as_user(program_admin).post(url(concern), {"note": "Handled"})
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.acknowledged_by == program_admin
