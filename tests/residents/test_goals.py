"""Goals: add, update, achieve, drop; shown with their status on the resident page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring_site.models import AuditEvent
from residents.models import RecoveryGoal
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(house):
    return f.ResidentFactory(house=house)


@pytest.fixture
def goal(resident):
    return f.RecoveryGoalFactory(resident=resident, text="Find a part-time job")


def detail(client, resident) -> str:
    return client.get(reverse("residents:detail", args=[resident.pk])).content.decode()


def test_a_manager_adds_a_goal_and_sees_it(as_user, manager, resident):
    client = as_user(manager)
    response = client.post(
        reverse("residents:goal_create", args=[resident.pk]),
        {"category": "housing", "text": "Save a deposit", "target_date": "2027-03-01"},
    )
    assert response.status_code == 302
    goal = RecoveryGoal.objects.get()
    assert (goal.category, goal.status, goal.resident) == ("housing", "open", resident)
    content = detail(client, resident)
    assert "Save a deposit" in content
    assert "Housing" in content
    assert AuditEvent.objects.filter(action="create", object_id=str(goal.pk)).exists()


def test_a_manager_updates_a_goal(as_user, manager, resident, goal):
    as_user(manager).post(
        reverse("residents:goal_edit", args=[resident.pk, goal.pk]),
        {"category": "education", "text": "Finish the GED", "target_date": ""},
    )
    goal.refresh_from_db()
    assert (goal.category, goal.text, goal.target_date) == ("education", "Finish the GED", None)


def test_achieving_a_goal_closes_it_today(as_user, manager, resident, goal):
    client = as_user(manager)
    client.post(reverse("residents:goal_achieve", args=[resident.pk, goal.pk]))
    goal.refresh_from_db()
    assert goal.status == "achieved"
    assert goal.closed_on == timezone.localdate()
    assert "Achieved" in detail(client, resident)


def test_dropping_a_goal_closes_it(as_user, manager, resident, goal):
    as_user(manager).post(reverse("residents:goal_drop", args=[resident.pk, goal.pk]))
    goal.refresh_from_db()
    assert goal.status == "dropped"


def test_a_closed_goal_keeps_its_first_outcome(as_user, manager, resident, goal):
    client = as_user(manager)
    client.post(reverse("residents:goal_achieve", args=[resident.pk, goal.pk]))
    response = client.post(reverse("residents:goal_drop", args=[resident.pk, goal.pk]), follow=True)
    assert "already closed" in response.content.decode()
    goal.refresh_from_db()
    assert goal.status == "achieved"


def test_achieve_and_drop_answer_only_post(as_user, manager, resident, goal):
    client = as_user(manager)
    for name in ("goal_achieve", "goal_drop"):
        assert (
            client.get(reverse(f"residents:{name}", args=[resident.pk, goal.pk])).status_code == 405
        )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"category": "housing", "text": "  "}, "text", "This field is required."),
        ({"category": "housing", "text": "x" * 501}, "text", "at most 500"),
        ({"category": "astrology", "text": "Ok"}, "category", "Select a valid choice"),
        (
            {"category": "housing", "text": "Ok", "target_date": "1970-01-01"},
            "target_date",
            "on or after",
        ),
        (
            {"category": "housing", "text": "Ok", "target_date": "2100-01-01"},
            "target_date",
            "too far",
        ),
    ],
)
def test_bad_goals_are_refused_beside_the_field(as_user, manager, resident, data, field, message):
    response = as_user(manager).post(reverse("residents:goal_create", args=[resident.pk]), data)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert not RecoveryGoal.objects.exists()


def test_goal_text_with_html_is_shown_escaped(as_user, manager, resident):
    client = as_user(manager)
    client.post(
        reverse("residents:goal_create", args=[resident.pk]),
        {"category": "other", "text": "<i>Call mom</i> 📞"},
    )
    content = detail(client, resident)
    assert "<i>Call mom</i>" not in content
    assert "&lt;i&gt;Call mom&lt;/i&gt; 📞" in content


def test_the_page_shows_goals_with_their_status_and_slots(as_user, manager, resident, goal):
    f.RecoveryGoalFactory(resident=resident, text="Get a library card", status="dropped")
    content = detail(as_user(manager), resident)
    assert "Find a part-time job" in content
    assert "Dropped" in content
    for name in (
        "matching:resident_pairings",
        "activity_log:resident_timeline",
        "activity_log:resident_access",
        "groups:resident_attendance",
        "activity_log:feedback_resident",
        "activity_log:recovery_resident",
    ):
        slot = reverse(name, args=[resident.pk])
        assert f'hx-get="{slot}"' in content
    assert content.count('hx-trigger="load"') == 6


def test_the_resident_page_runs_a_fixed_number_of_queries(
    as_user, manager, resident, django_assert_max_num_queries
):
    f.RecoveryGoalFactory.create_batch(12, resident=resident)
    f.ConsentRecordFactory.create_batch(4, resident=resident)
    client = as_user(manager)
    # Measured 8 (session, user, groups, resident, consents, goals with their steps, languages
    # and pathways, audit row); 2 of headroom.
    with django_assert_max_num_queries(10):
        assert client.get(reverse("residents:detail", args=[resident.pk])).status_code == 200
