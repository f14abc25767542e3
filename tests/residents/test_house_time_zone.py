"""A house's time zone is checked where it is entered; a bad stored value crashes nothing."""

from __future__ import annotations

import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from residents.models import House, house_zone, zone_or_program
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_only_known_zone_names_are_accepted():
    house = f.HouseFactory.build(time_zone="Mars/Olympus")
    with pytest.raises(ValidationError) as caught:
        house.full_clean()
    assert "Unknown time zone Mars/Olympus" in str(caught.value.message_dict["time_zone"])
    house.time_zone = "Europe/London"
    house.full_clean()


def test_the_admin_house_form_refuses_an_unknown_zone_and_keeps_what_was_typed(as_user):
    superuser = f.AdminUserFactory(is_staff=True, is_superuser=True)
    response = as_user(superuser).post(
        reverse("admin:residents_house_add"),
        {"name": "Olympus House", "address": "", "time_zone": "Mars/Olympus", "beds": "8"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Unknown time zone Mars/Olympus" in html
    assert 'value="Olympus House"' in html
    assert not House.objects.filter(name="Olympus House").exists()


def test_a_bad_stored_zone_reads_as_the_program_zone(settings):
    house = f.HouseFactory()
    House.objects.filter(pk=house.pk).update(time_zone="Mars/Olympus")
    house.refresh_from_db()
    assert house.zone == zoneinfo.ZoneInfo(settings.TIME_ZONE)
    assert not house.zone_is_known
    assert zone_or_program("../../etc/passwd") == zoneinfo.ZoneInfo(settings.TIME_ZONE)
    assert zone_or_program("Asia/Tokyo") == zoneinfo.ZoneInfo("Asia/Tokyo")


def test_house_zone_is_the_houses_or_the_programs_for_no_house(settings):
    settings.TIME_ZONE = "America/Chicago"
    assert house_zone(None) == zoneinfo.ZoneInfo("America/Chicago")
    assert house_zone(f.HouseFactory.build(time_zone="Europe/London")) == zoneinfo.ZoneInfo(
        "Europe/London"
    )
    assert house_zone(f.HouseFactory.build(time_zone="Mars/Olympus")) == zoneinfo.ZoneInfo(
        "America/Chicago"
    )


def test_a_pairings_due_date_uses_the_program_zone_when_the_house_zone_is_bad():
    pairing = f.PairingFactory()
    House.objects.filter(pk=pairing.resident.house_id).update(time_zone="Mars/Olympus")
    pairing.refresh_from_db()
    pairing.resident.house.refresh_from_db()
    assert pairing.next_due() is not None
