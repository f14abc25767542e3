"""The htmx partials on the resident page and the mentor page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f

pytestmark = pytest.mark.django_db


def resident_url(resident):
    return reverse("matching:resident_pairings", args=[resident.pk])


def mentor_url(mentor):
    return reverse("matching:mentor_pairings", args=[mentor.pk])


def test_resident_partial_shows_the_current_and_past_pairings(
    as_user, manager, house, mentor, mentor2
):
    current = f.PairingFactory(mentor=mentor, resident__house=house)
    past = f.PairingFactory(
        mentor=mentor2,
        resident=current.resident,
        status="ended",
        ended_on=timezone.localdate(),
        end_reason="completed",
    )
    html = as_user(manager).get(resident_url(current.resident)).content.decode()
    assert "Sam" in html
    # Started 14 days ago, weekly, never contacted: due on day 7, a week ago.
    assert "Check-in overdue by 7 days" in html
    assert reverse("matching:detail", args=[current.pk]) in html
    assert reverse("matching:end", args=[current.pk]) in html
    assert reverse("matching:detail", args=[past.pk]) in html
    assert "(completed)" in html
    assert "Find a mentor" not in html


def test_resident_partial_offers_find_a_mentor_when_there_is_none(as_user, manager, house):
    resident = f.ResidentFactory(house=house)
    html = as_user(manager).get(resident_url(resident)).content.decode()
    assert "Find a mentor" in html
    assert reverse("matching:suggest", args=[resident.pk]) in html
    assert "No past pairings." in html


def test_mentor_partial_lists_their_mentees_in_my_houses_only(
    as_user, manager, house, house2, mentor
):
    f.PairingFactory(mentor=mentor, resident__house=house, resident__preferred_name="Mine")
    f.PairingFactory(mentor=mentor, resident__house=house2, resident__preferred_name="Theirs")
    html = as_user(manager).get(mentor_url(mentor)).content.decode()
    assert "Mine" in html
    assert "Theirs" not in html
    assert "2 of 3 places taken" in html


def test_mentor_partial_empty_state(as_user, manager, house, mentor):
    assert (
        "No mentees in your houses yet."
        in as_user(manager).get(mentor_url(mentor)).content.decode()
    )


@pytest.mark.parametrize("count", [2, 12])
def test_mentor_partial_runs_a_fixed_number_of_queries(
    as_user, manager, house, count, django_assert_max_num_queries
):
    mentor = f.ClearedMentorFactory(capacity=10)
    for _ in range(count):
        f.PairingFactory(mentor=mentor, resident__house=house)
    client = as_user(manager)
    with django_assert_max_num_queries(10):
        assert client.get(mentor_url(mentor)).status_code == 200


def test_resident_partial_of_another_house_is_404(as_user, manager2, house2, house):
    assert as_user(manager2).get(resident_url(f.ResidentFactory(house=house))).status_code == 404


def test_partials_are_404_for_mentors_and_login_for_anonymous(as_user, client, house, mentor):
    resident = f.ResidentFactory(house=house)
    anon = client.get(resident_url(resident))
    assert reverse("account_login") in anon["Location"]
    assert reverse("account_login") in client.get(mentor_url(mentor))["Location"]
    assert as_user(mentor.user).get(resident_url(resident)).status_code == 404
    assert as_user(mentor.user).get(mentor_url(mentor)).status_code == 404
