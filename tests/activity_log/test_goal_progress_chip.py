"""The log form's "progress on this goal" chips: a chosen progress is saved as a GoalProgress
row with the contact (by the mentor, through the goals' service), once under a double tap."""

import pytest
from django.urls import reverse

from activity_log.models import ContactLog
from residents.models import GoalProgress, RecoveryGoal
from tests import factories as f
from tests.activity_log.contact_support import form_data, pairing_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def pairing(mentor, house):
    pairing = pairing_for(mentor, house=house)
    f.ConsentRecordFactory(resident=pairing.resident, shares_goals=True)
    return pairing


@pytest.fixture
def goal(pairing):
    return f.RecoveryGoalFactory(resident=pairing.resident, text="Find a job")


def url(pairing) -> str:
    return reverse("activity_log:contact_new", args=[pairing.pk])


def test_the_form_shows_a_progress_chip_row_per_goal(as_user, mentor, pairing, goal):
    html = as_user(mentor.user).get(url(pairing)).content.decode()
    assert "Progress on these goals" in html
    assert f'name="progress_{goal.pk}"' in html


def test_progress_is_saved_with_the_contact_once(as_user, mentor, pairing, goal):
    client = as_user(mentor.user)
    data = form_data(**{f"progress_{goal.pk}": "in_progress"})
    assert client.post(url(pairing), data).status_code == 302
    assert client.post(url(pairing), data).status_code == 302  # a double tap
    contact = ContactLog.objects.get()
    step = GoalProgress.objects.get(goal=goal, status="in_progress")
    assert step.by == mentor.user
    # Progress on a goal means it was discussed.
    assert list(contact.goals_discussed.all()) == [goal]


def test_achieved_closes_the_goal(as_user, mentor, pairing, goal):
    as_user(mentor.user).post(url(pairing), form_data(**{f"progress_{goal.pk}": "achieved"}))
    goal.refresh_from_db()
    assert goal.status == RecoveryGoal.Status.ACHIEVED
    assert GoalProgress.objects.filter(goal=goal, status="achieved", by=mentor.user).exists()


def test_no_chip_chosen_records_nothing(as_user, mentor, pairing, goal):
    before = GoalProgress.objects.count()
    as_user(mentor.user).post(url(pairing), form_data())
    assert GoalProgress.objects.count() == before
    assert ContactLog.objects.count() == 1


def test_a_bad_value_is_refused_beside_the_form(as_user, mentor, pairing, goal):
    response = as_user(mentor.user).post(url(pairing), form_data(**{f"progress_{goal.pk}": "x"}))
    assert response.status_code == 200
    assert f"progress_{goal.pk}" in response.context["form"].errors
    assert not ContactLog.objects.exists()
