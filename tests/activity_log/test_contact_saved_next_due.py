"""'Contact saved' says when the next check-in is due, as a day on the house's calendar
(issue 21): "Next check-in due Sunday 6 December"."""

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from tests.activity_log.contact_support import pairing_for

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 29, 18, 0, tzinfo=dt.UTC)


def saved_page(as_user, mentor, *, zone: str, due: dt.datetime) -> str:
    house = f.HouseFactory(time_zone=zone)
    pairing = pairing_for(mentor, house=house)
    contact = f.ContactLogFactory(pairing=pairing, created_by=mentor.user)
    pairing.__class__.objects.filter(pk=pairing.pk).update(next_due_at=due)
    with mock.patch.object(timezone, "now", return_value=NOW):
        response = as_user(mentor.user).get(
            reverse("activity_log:contact_saved", args=[contact.pk])
        )
    return " ".join(response.content.decode().split())


def test_it_names_the_due_day_in_the_houses_zone(as_user, mentor):
    # 03:00 on Monday 7 December in UTC is still Sunday 6 December evening in Los Angeles.
    due = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)
    html = saved_page(as_user, mentor, zone="America/Los_Angeles", due=due)
    assert "Next check-in due Sunday 6 December" in html


def test_the_same_moment_is_monday_in_a_house_east_of_it(as_user, mentor):
    due = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)
    html = saved_page(as_user, mentor, zone="Europe/London", due=due)
    assert "Next check-in due Monday 7 December" in html


def test_a_due_time_already_passed_says_a_check_in_is_due_now(as_user, mentor):
    due = dt.datetime(2026, 11, 27, 15, 0, tzinfo=dt.UTC)
    html = saved_page(as_user, mentor, zone="America/New_York", due=due)
    assert "A check-in is due now (it was due Friday 27 November)" in html
    assert "Next check-in due" not in html
