"""Intake: few required fields, the duplicate-name warning, date limits, bad input, double submit."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring_site.models import AuditEvent
from residents.models import Language, RecoveryPathway, Resident
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = reverse("residents:create")


@pytest.fixture
def client_(as_user, manager, house):
    return as_user(manager)


def form_data(house, **overrides) -> dict:
    data = {
        "first_name": "Teresa",
        "last_name": "Nguyen",
        "preferred_name": "Tess",
        "house": house.pk,
        "move_in_date": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
        "intake_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def field_errors(response, field) -> list[str]:
    return response.context["form"].errors.get(field, [])


def test_the_form_offers_a_one_time_key_and_todays_date(client_):
    response = client_.get(URL)
    form = response.context["form"]
    assert 'type="hidden" name="confirm_not_duplicate"' in response.content.decode()
    assert isinstance(form.initial["intake_key"], uuid.UUID)
    assert form.initial["move_in_date"] == timezone.localdate()
    assert 'name="intake_key"' in response.content.decode()


def test_a_manager_admits_a_resident_with_the_few_required_fields(client_, manager, house):
    response = client_.post(
        URL,
        {
            "first_name": "Teresa",
            "last_name": "Nguyen",
            "house": house.pk,
            "move_in_date": timezone.localdate().isoformat(),
            "intake_key": str(uuid.uuid4()),
        },
    )
    resident = Resident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("residents:detail", args=[resident.pk])
    assert resident.preferred_name == "Teresa"  # falls back to the legal first name
    assert resident.status == Resident.Status.ACTIVE
    assert resident.created_by == manager
    event = AuditEvent.objects.get()
    assert (event.action, event.resident_id) == ("create", resident.pk)


def test_intake_keeps_the_matching_preferences(client_, house):
    spanish = Language.objects.get(code="es")
    smart = RecoveryPathway.objects.get(slug="smart-recovery")
    client_.post(
        URL,
        form_data(
            house,
            languages=[spanish.pk],
            pathways=[smart.pk],
            preferred_mentor_gender="woman",
            phone="(555) 010-2233",
            recovery_start_date="2025-06-01",
        ),
    )
    resident = Resident.objects.get()
    assert list(resident.languages.all()) == [spanish]
    assert list(resident.pathways.all()) == [smart]
    assert resident.preferred_mentor_gender == "woman"
    assert resident.phone == "(555) 010-2233"


@pytest.mark.parametrize("field", ["first_name", "last_name"])
@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_legal_names_are_refused_beside_the_field(client_, house, field, blank):
    response = client_.post(URL, form_data(house, **{field: blank}))
    assert response.status_code == 200
    assert field_errors(response, field) == ["This field is required."]
    assert not Resident.objects.exists()


@pytest.mark.parametrize("field", ["first_name", "last_name", "preferred_name"])
def test_names_over_100_characters_are_refused_and_kept(client_, house, field):
    long_name = "Ä" * 101
    response = client_.post(URL, form_data(house, **{field: long_name}))
    assert "at most 100 characters" in field_errors(response, field)[0]
    assert long_name in response.content.decode()  # what was typed is still there
    assert not Resident.objects.exists()


def test_the_move_in_date_may_be_up_to_30_days_ahead(client_, house):
    ahead = timezone.localdate() + dt.timedelta(days=30)
    client_.post(URL, form_data(house, move_in_date=ahead.isoformat()))
    assert Resident.objects.get().move_in_date == ahead


def test_a_move_in_more_than_30_days_ahead_is_refused(client_, house):
    ahead = (timezone.localdate() + dt.timedelta(days=31)).isoformat()
    response = client_.post(URL, form_data(house, move_in_date=ahead))
    assert field_errors(response, "move_in_date") == ["This date is too far in the future."]
    assert f'value="{ahead}"' in response.content.decode()
    assert not Resident.objects.exists()


def test_a_move_in_before_1990_is_refused(client_, house):
    response = client_.post(URL, form_data(house, move_in_date="1989-12-31"))
    assert field_errors(response, "move_in_date") == ["Enter a date on or after January 1, 1990."]
    assert not Resident.objects.exists()


@pytest.mark.parametrize("value", ["not a date", "2026-02-30", "99999-01-01"])
def test_a_malformed_move_in_date_is_refused(client_, house, value):
    response = client_.post(URL, form_data(house, move_in_date=value))
    assert field_errors(response, "move_in_date") == ["Enter a valid date."]


def test_a_recovery_start_in_the_future_is_refused(client_, house):
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client_.post(URL, form_data(house, recovery_start_date=future))
    assert field_errors(response, "recovery_start_date") == ["This date cannot be in the future."]


def test_an_impossible_birth_year_is_refused(client_, house):
    response = client_.post(URL, form_data(house, birth_year="1850"))
    assert "Enter a year between 1920" in field_errors(response, "birth_year")[0]
    response = client_.post(URL, form_data(house, birth_year="-3"))
    assert field_errors(response, "birth_year")


def test_a_phone_with_letters_is_refused(client_, house):
    response = client_.post(URL, form_data(house, phone="call me maybe"))
    assert "digits" in field_errors(response, "phone")[0]


def test_html_and_unicode_are_saved_as_typed_and_shown_escaped(client_, house):
    client_.post(
        URL,
        form_data(
            house, preferred_name="<b>José</b>", first_name="Zoë 🌱", last_name="O'Brien-Łukasz"
        ),
    )
    resident = Resident.objects.get()
    assert resident.preferred_name == "<b>José</b>"
    assert resident.first_name == "Zoë 🌱"
    content = client_.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    assert "<b>José</b>" not in content
    assert "&lt;b&gt;José&lt;/b&gt;" in content
    assert "Zoë 🌱" in content


def test_a_same_name_active_resident_in_the_house_asks_for_confirmation(client_, house):
    existing = f.ResidentFactory(house=house, first_name="Teresa", last_name="Nguyen")
    data = form_data(house)
    response = client_.post(URL, data)
    assert response.status_code == 200
    assert "already has this name" in field_errors(response, "confirm_not_duplicate")[0]
    assert reverse("residents:detail", args=[existing.pk]) in response.content.decode()
    assert Resident.objects.count() == 1
    assert 'type="checkbox" name="confirm_not_duplicate"' in response.content.decode()
    response = client_.post(URL, {**data, "confirm_not_duplicate": "on"})
    assert response.status_code == 302
    assert Resident.objects.count() == 2


def test_the_duplicate_check_ignores_case_other_houses_and_residents_who_left(
    client_, manager, house
):
    cedar = f.HouseFactory(managers=[manager])
    f.ResidentFactory(house=cedar, first_name="Teresa", last_name="Nguyen")
    f.ResidentFactory(
        house=house,
        first_name="Teresa",
        last_name="Nguyen",
        status=Resident.Status.MOVED_OUT,
        exit_date=timezone.localdate(),
    )
    response = client_.post(URL, form_data(house, first_name="teresa", last_name="NGUYEN"))
    assert response.status_code == 302


def test_a_resent_intake_form_does_not_admit_twice(client_, house):
    data = form_data(house)
    first = client_.post(URL, data)
    second = client_.post(URL, data)
    resident = Resident.objects.get()
    assert (
        first["Location"] == second["Location"] == reverse("residents:detail", args=[resident.pk])
    )


def test_the_service_is_idempotent_for_the_same_key(manager, house):
    from residents.services import resident_create

    key = uuid.uuid4()
    args = dict(
        user=manager,
        house=house,
        preferred_name="",
        first_name="Al",
        last_name="Ng",
        move_in_date=timezone.localdate(),
        intake_key=key,
    )
    first, created = resident_create(**args)
    again, created_again = resident_create(**args)
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk


@pytest.mark.parametrize("key", ["not-a-uuid", ""])
def test_a_missing_or_forged_key_asks_to_submit_again_with_a_fresh_key(client_, house, key):
    response = client_.post(URL, form_data(house, intake_key=key))
    assert response.status_code == 200
    assert "This form had expired" in response.content.decode()
    fresh = response.context["form"]["intake_key"].value()
    assert uuid.UUID(fresh)
    assert "Nguyen" in response.content.decode()  # what was typed is kept
    assert not Resident.objects.exists()


def test_a_racing_second_submission_returns_the_first_resident(manager, house, monkeypatch):
    from residents import services

    key = uuid.uuid4()
    first = f.ResidentFactory(house=house, intake_key=key, created_by=manager)
    real_filter = Resident.objects.filter

    def filter_missing_the_race(*args, **kwargs):
        # The other request has not committed yet when this one looks.
        return Resident.objects.none() if "intake_key" in kwargs else real_filter(*args, **kwargs)

    monkeypatch.setattr(Resident.objects, "filter", filter_missing_the_race)
    again, created = services.resident_create(
        user=manager,
        house=house,
        preferred_name="",
        first_name="Al",
        last_name="Ng",
        move_in_date=timezone.localdate(),
        intake_key=key,
    )
    assert (again.pk, created) == (first.pk, False)
    assert Resident.objects.count() == 1
