"""Managers edit a mentor's profile and capacity (0 to 10); status is not on this form."""

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


def url(mentor) -> str:
    return reverse("mentors:edit", args=[mentor.pk])


def valid(**overrides) -> dict:
    data = {
        "first_name": "Sam",
        "last_name": "Okafor",
        "phone": "",
        "recovery_since": "2019-06-01",
        "bio": "",
        "gender": "",
        "gender_self_description": "",
        "serves_all_houses": "on",
        "capacity": "5",
    }
    data.update(overrides)
    return data


def test_anonymous_is_sent_to_sign_in(client, mentor):
    assert "/accounts/login/" in client.get(url(mentor))["Location"]


def test_a_mentor_gets_404_even_for_themselves(as_user, mentor):
    assert as_user(mentor.user).post(url(mentor), valid(capacity="9")).status_code == 404
    mentor.refresh_from_db()
    assert mentor.capacity == 3


def test_an_admin_changes_capacity_and_houses(as_user, program_admin, mentor, house):
    response = as_user(program_admin).post(
        url(mentor), valid(serves_all_houses="", houses=[house.pk], status="retired")
    )
    assert response.status_code == 302
    mentor.refresh_from_db()
    assert mentor.capacity == 5
    assert list(mentor.houses.all()) == [house]
    assert not mentor.serves_all_houses
    assert mentor.status == "active"


def test_a_manager_changes_only_their_own_houses(as_user, manager, house, house2):
    other = f.HouseFactory(name="Cedar House")
    mentor = f.ClearedMentorFactory(serves_all_houses=False)
    mentor.houses.set([house, house2])
    response = as_user(manager).post(
        url(mentor), valid(serves_all_houses="on", houses=[other.pk], capacity="4")
    )
    assert "houses" in response.context["form"].errors  # not one of theirs
    response = as_user(manager).post(url(mentor), valid(serves_all_houses="on", houses=[]))
    assert response.status_code == 302
    mentor.refresh_from_db()
    assert list(mentor.houses.all()) == [house2], "their house removed, the other kept"
    assert not mentor.serves_all_houses, "only an admin sets serving every house"


@pytest.mark.parametrize("capacity", ["-1", "11", "2.5", ""])
def test_capacity_outside_0_to_10_is_refused(as_user, manager, mentor, capacity):
    response = as_user(manager).post(url(mentor), valid(capacity=capacity))
    assert response.status_code == 200
    assert "capacity" in response.context["form"].errors
    mentor.refresh_from_db()
    assert mentor.capacity == 3
