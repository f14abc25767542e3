"""The funder export: no names, emails, phones or notes; ages banded; counts under 5 as "<5"."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f

pytestmark = pytest.mark.django_db

FUNDER = reverse("activity_log:reports_funder_csv")


@pytest.fixture
def world(house, manager):
    """Residents, mentors and contacts full of identifying text the export must not carry."""
    people = []
    for i in range(7):
        resident = f.ResidentFactory(
            house=house,
            preferred_name=f"Peregrine{i}",
            first_name=f"Legalfirst{i}",
            last_name=f"Surname{i}",
            phone=f"555-01{i:02d}",
            exit_reason="Moved in with her sister Bathsheba",
            birth_year=1990 - i,
        )
        mentor = f.ClearedMentorFactory(
            user__first_name=f"Mentorname{i}",
            # Made-up names: a real surname can be a word the file has ("House" in "House meeting").
            user__last_name=f"Mentorsurname{i}",
            user__email=f"mentor{i}@example.net",
            phone=f"555-02{i:02d}",
        )
        pairing = f.PairingFactory(resident=resident, mentor=mentor, end_note="Private end note")
        f.ContactLogFactory(
            pairing=pairing,
            happened_at=timezone.now() - dt.timedelta(days=2),
            notes="Talked about her relapse at the Elm St meeting",
            follow_up="Call her probation officer Mr Grimsby",
            concern_level="urgent" if i < 2 else "none",
            concern_note="Said she felt unsafe with Barnabas",
        )
        f.RecoveryGoalFactory(
            resident=resident,
            text="Reconcile with daughter Ottoline",
            status="achieved",
            closed_on=timezone.localdate(),
        )
        people.append((resident, mentor))
    return people


def _export(client, **params):
    response = client.get(FUNDER, params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_file_has_no_names_emails_phones_or_free_text(as_user, manager, house, world):
    manager.first_name, manager.last_name = "Managerfirst", "Managersurname"
    manager.save(update_fields=["first_name", "last_name"])
    text = _export(as_user(manager))
    forbidden = [manager.email, manager.first_name, manager.last_name, house.name]
    for resident, mentor in world:
        forbidden += [
            resident.preferred_name,
            resident.first_name,
            resident.last_name,
            resident.phone,
            mentor.user.first_name,
            mentor.user.last_name,
            mentor.user.email,
            mentor.phone,
        ]
    forbidden += ["Bathsheba", "Elm St", "Grimsby", "Barnabas", "Ottoline", "Private end note"]
    for value in forbidden:
        assert value and value not in text, value
    assert "@" not in text
    assert not re.search(r"\d{3}-\d{4}", text)


def test_counts_under_five_are_shown_as_less_than_five(as_user, manager, house, world):
    reader = csv.reader(io.StringIO(_export(as_user(manager))))
    data = {(s, m): v for s, m, v in reader}
    assert data[("residents", "residents served")] == "7"
    assert data[("urgent concerns", "raised")] == "<5"
    assert data[("contacts by method", "Phone")] == "0"
    for value in data.values():
        assert value not in {"1", "2", "3", "4"}


def test_ages_are_banded(as_user, manager, house, world):
    reader = csv.reader(io.StringIO(_export(as_user(manager))))
    bands = {m: v for s, m, v in reader if s == "residents served by age band"}
    assert set(bands) == {
        "Under 25",
        "25-34",
        "35-44",
        "45-54",
        "55-64",
        "65 and over",
        "Not recorded",
    }
    assert "1990" not in "".join(bands)


def test_shares_built_on_small_numbers_are_suppressed(as_user, manager, house):
    f.PairingFactory(resident__house=house)
    f.ResidentFactory(house=house)
    reader = csv.reader(io.StringIO(_export(as_user(manager))))
    data = {(s, m): v for s, m, v in reader}
    assert data[("residents", "share with a mentor")] == "suppressed (small numbers)"
    assert data[("residents", "residents served")] == "<5"


def test_the_staff_csv_keeps_exact_small_counts(as_user, manager, house):
    f.PairingFactory(resident__house=house)
    response = as_user(manager).get(reverse("activity_log:reports_csv"))
    reader = csv.reader(io.StringIO(response.content.decode()))
    data = {(s, m): v for s, m, v in reader}
    assert data[("residents", "residents served")] == "1"
