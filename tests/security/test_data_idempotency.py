"""A one-time form key replayed by another user never reaches the record it first saved.

The attack: user A submits a form; user B (who saw A's page, or guessed nothing but copied the
hidden field from a shared screen or a proxy log) posts B's own form with A's key. Before keys
were scoped per user, the service found A's record by the key alone and returned it: B was
redirected to it (an admin would see it in full) and an audit row was written against A's
resident in B's name.
"""

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.models import ContactLog
from mentoring_site.models import AuditEvent
from residents.models import Resident
from tests.activity_log.contact_support import form_data, pairing_for

pytestmark = pytest.mark.django_db


# --- Contact log form ------------------------------------------------------------------------


def test_a_contact_key_replayed_by_another_mentor_saves_their_own_contact(
    as_user, mentor, mentor2, house
):
    mine = pairing_for(mentor, house=house)
    theirs = pairing_for(mentor2, house=house)
    key = str(uuid.uuid4())
    client = as_user(mentor.user)
    client.post(reverse("activity_log:contact_new", args=[mine.pk]), form_data(idempotency_key=key))
    original = ContactLog.objects.get(created_by=mentor.user)

    client = as_user(mentor2.user)
    response = client.post(
        reverse("activity_log:contact_new", args=[theirs.pk]),
        form_data(idempotency_key=key, notes="mentor2's own visit"),
    )

    replayed = ContactLog.objects.get(created_by=mentor2.user)
    assert replayed.pk != original.pk
    assert replayed.pairing_id == theirs.pk and replayed.notes == "mentor2's own visit"
    assert response["Location"] == reverse("activity_log:contact_saved", args=[replayed.pk])
    assert str(original.pk) not in response["Location"]
    # No audit row in mentor2's name about the first contact or its resident.
    assert not AuditEvent.objects.filter(user=mentor2.user, object_id=str(original.pk)).exists()
    assert not AuditEvent.objects.filter(user=mentor2.user, resident_id=mine.resident_id).exists()


def test_the_same_key_from_the_same_mentor_still_saves_once(as_user, mentor, house):
    pairing = pairing_for(mentor, house=house)
    client = as_user(mentor.user)
    key = str(uuid.uuid4())
    url = reverse("activity_log:contact_new", args=[pairing.pk])
    first = client.post(url, form_data(idempotency_key=key))
    second = client.post(url, form_data(idempotency_key=key, notes="a second tap"))
    assert ContactLog.objects.count() == 1
    assert first["Location"] == second["Location"]


# --- Resident intake -------------------------------------------------------------------------


def _intake(house, key, **overrides) -> dict:
    data = {
        "first_name": "Teresa",
        "last_name": "Nguyen",
        "preferred_name": "Tess",
        "house": house.pk,
        "move_in_date": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
        "intake_key": key,
    }
    data.update(overrides)
    return data


def test_an_intake_key_replayed_by_an_admin_admits_a_new_resident_not_the_managers(
    as_user, manager, program_admin, house
):
    key = str(uuid.uuid4())
    as_user(manager).post(reverse("residents:create"), _intake(house, key))
    original = Resident.objects.get()

    client = as_user(program_admin)
    response = client.post(
        reverse("residents:create"), _intake(house, key, first_name="Ruth", last_name="Ortiz")
    )

    created = Resident.objects.exclude(pk=original.pk).get()
    assert created.first_name == "Ruth" and created.created_by == program_admin
    assert response["Location"] == reverse("residents:detail", args=[created.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Teresa" not in page and "was already admitted" not in page
    assert not AuditEvent.objects.filter(user=program_admin, resident_id=original.pk).exists()


def test_an_intake_key_replayed_by_a_manager_of_another_house_never_touches_the_first_resident(
    as_user, manager, manager2, house, house2
):
    key = str(uuid.uuid4())
    as_user(manager).post(reverse("residents:create"), _intake(house, key))
    original = Resident.objects.get()

    response = as_user(manager2).post(
        reverse("residents:create"),
        _intake(house2, key, first_name="Ruth", last_name="Ortiz"),
    )

    created = Resident.objects.exclude(pk=original.pk).get()
    assert created.house == house2
    assert response["Location"] == reverse("residents:detail", args=[created.pk])
    assert not AuditEvent.objects.filter(user=manager2, resident_id=original.pk).exists()


def test_a_resent_intake_form_still_lands_on_the_resident_it_created(as_user, manager, house):
    key = str(uuid.uuid4())
    client = as_user(manager)
    first = client.post(reverse("residents:create"), _intake(house, key))
    again = client.post(reverse("residents:create"), _intake(house, key))
    assert Resident.objects.count() == 1
    assert first["Location"] == again["Location"]


def test_the_service_scopes_the_key_to_its_user(manager, manager2, house):
    from residents import services

    key = uuid.uuid4()
    data = dict(
        house=house,
        preferred_name="",
        first_name="Teresa",
        last_name="Nguyen",
        move_in_date=timezone.localdate(),
        intake_key=key,
    )
    first, created = services.resident_create(user=manager, **data)
    assert created
    other, created_again = services.resident_create(user=manager2, **data)
    assert created_again and other.pk != first.pk
