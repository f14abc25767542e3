"""Editing a resident's profile."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring_site.models import AuditEvent
from residents.models import Language, Resident
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(house):
    return f.ResidentFactory(
        house=house, preferred_name="Dana", first_name="Danielle", last_name="Ray"
    )


def data(resident, **overrides):
    values = {
        "first_name": resident.first_name,
        "last_name": resident.last_name,
        "preferred_name": resident.preferred_name,
        "house": resident.house_id,
        "move_in_date": resident.move_in_date.isoformat(),
        "preferred_mentor_gender": "",
    }
    values.update(overrides)
    return values


def url(resident):
    return reverse("residents:edit", args=[resident.pk])


def test_the_form_shows_the_current_profile(as_user, manager, resident):
    response = as_user(manager).get(url(resident))
    assert 'value="Danielle"' in response.content.decode()


def test_a_manager_changes_the_profile(as_user, manager, resident):
    spanish = Language.objects.get(code="es")
    response = as_user(manager).post(
        url(resident),
        data(resident, preferred_name="Dani", phone="555 123 4567", languages=[spanish.pk]),
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.preferred_name == "Dani"
    assert resident.phone == "555 123 4567"
    assert list(resident.languages.all()) == [spanish]
    assert AuditEvent.objects.filter(action="change", resident_id=resident.pk).exists()


def test_a_manager_moves_a_resident_between_their_houses(as_user, manager, resident):
    cedar = f.HouseFactory(managers=[manager])
    as_user(manager).post(url(resident), data(resident, house=cedar.pk))
    resident.refresh_from_db()
    assert resident.house == cedar


def test_a_manager_cannot_move_a_resident_to_another_managers_house(
    as_user, manager, resident, house2
):
    response = as_user(manager).post(url(resident), data(resident, house=house2.pk))
    assert response.status_code == 200
    assert response.context["form"].errors["house"]
    resident.refresh_from_db()
    assert resident.house_id != house2.pk


def test_a_blank_name_is_refused_and_the_rest_is_kept(as_user, manager, resident):
    response = as_user(manager).post(
        url(resident), data(resident, last_name="", phone="555 999 0000")
    )
    assert response.context["form"].errors["last_name"] == ["This field is required."]
    assert 'value="555 999 0000"' in response.content.decode()
    resident.refresh_from_db()
    assert resident.last_name == "Ray"


def test_moving_in_after_the_exit_date_is_refused(as_user, manager, house):
    gone = f.ResidentFactory(
        house=house,
        move_in_date=timezone.localdate() - dt.timedelta(days=50),
        status=Resident.Status.GRADUATED,
        exit_date=timezone.localdate() - dt.timedelta(days=10),
    )
    later = (timezone.localdate() - dt.timedelta(days=5)).isoformat()
    response = as_user(manager).post(url(gone), data(gone, move_in_date=later))
    assert response.status_code == 200
    assert "before the move-in date" in str(response.context["form"].errors)
    gone.refresh_from_db()
    assert gone.move_in_date != dt.date.fromisoformat(later)


def test_opening_the_form_is_audited_as_a_view(as_user, manager, resident):
    as_user(manager).get(url(resident))
    assert AuditEvent.objects.get().action == "view"
