"""Goals keep a history: every status change and progress note, by whom and when, shown as a
timeline on the resident page; "achieved" and "set aside" close the goal."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from activity_log.privacy import retention
from residents import services
from residents.models import GoalProgress, RecoveryGoal, Resident
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(house):
    return f.ResidentFactory(house=house)


@pytest.fixture
def goal(resident, manager):
    return services.goal_create(
        resident=resident, category="employment", text="Find a part-time job", by=manager
    )


def statuses(goal):
    return list(goal.progress.values_list("status", flat=True))


def test_a_new_goal_starts_its_history_as_not_started(goal, manager):
    step = goal.progress.get()
    assert (step.status, step.by) == ("not_started", manager)


def test_progress_notes_and_status_changes_are_recorded(goal, manager):
    services.goal_progress_record(goal=goal, status="in_progress", note="Applied at two stores")
    services.goal_progress_record(goal=goal, status="in_progress", note="Interview Monday")
    assert statuses(goal) == ["not_started", "in_progress", "in_progress"]
    goal.refresh_from_db()
    assert goal.status == RecoveryGoal.Status.OPEN


def test_the_same_status_without_a_note_is_refused(goal):
    with pytest.raises(ValidationError, match="Nothing changed"):
        services.goal_progress_record(goal=goal, status="not_started")


@pytest.mark.parametrize(
    ("progress", "goal_status"), [("achieved", "achieved"), ("set_aside", "dropped")]
)
def test_achieved_and_set_aside_close_the_goal(goal, manager, progress, goal_status):
    services.goal_progress_record(goal=goal, status=progress, note="", by=manager)
    goal.refresh_from_db()
    assert goal.status == goal_status and goal.closed_on == timezone.localdate()
    assert statuses(goal) == ["not_started", progress]
    with pytest.raises(ValidationError, match="closed"):
        services.goal_progress_record(goal=goal, status="in_progress", note="again")


def test_the_achieve_and_drop_buttons_write_the_history_too(as_user, manager, resident, goal):
    as_user(manager).post(reverse("residents:goal_drop", args=[resident.pk, goal.pk]))
    assert statuses(goal) == ["not_started", "set_aside"]
    assert goal.progress.last().by == manager


def test_the_progress_form_records_a_step_and_the_page_shows_the_timeline(
    as_user, manager, resident, goal
):
    client = as_user(manager)
    url = reverse("residents:goal_progress", args=[resident.pk, goal.pk])
    response = client.post(url, {"status": "in_progress", "note": "Applied at two stores"})
    assert response.status_code == 302
    page = client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    assert "Applied at two stores" in page and "In progress" in page and "Not started" in page
    assert url in page


def test_a_refused_step_is_explained_with_the_note_kept(as_user, manager, resident, goal):
    url = reverse("residents:goal_progress", args=[resident.pk, goal.pk])
    response = as_user(manager).post(url, {"status": "not_started", "note": ""})
    assert response.status_code == 400
    assert "Nothing changed" in response.content.decode()
    long = "x" * 201
    response = as_user(manager).post(url, {"status": "in_progress", "note": long})
    assert response.status_code == 400 and long in response.content.decode()
    assert goal.progress.count() == 1


def test_the_progress_form_is_scoped(as_user, client, manager2, mentor, resident, goal):
    f.PairingFactory(mentor=mentor, resident=resident)
    url = reverse("residents:goal_progress", args=[resident.pk, goal.pk])
    for user in (manager2, mentor.user):
        c = as_user(user)
        assert c.get(url).status_code == 404
        assert c.post(url, {"status": "in_progress", "note": "x"}).status_code == 404
    client.logout()
    assert "/accounts/login/" in client.get(url)["Location"]
    assert goal.progress.count() == 1


@pytest.mark.parametrize("size", [1, 10])
def test_the_resident_page_runs_a_fixed_number_of_queries_with_histories(
    as_user, manager, resident, size, django_assert_max_num_queries
):
    for i in range(size):
        g = services.goal_create(resident=resident, category="health", text=f"Goal {i}")
        services.goal_progress_record(goal=g, status="in_progress", note=f"step {i}", by=manager)
    client = as_user(manager)
    with django_assert_max_num_queries(10):  # measured 8; steps come with their goals
        client.get(reverse("residents:detail", args=[resident.pk]))


def test_anonymising_clears_progress_notes_and_keeps_the_steps(resident, goal):
    services.goal_progress_record(goal=goal, status="in_progress", note="Works at the bakery")
    Resident.objects.filter(pk=resident.pk).update(
        status="moved_out", exit_date=timezone.localdate()
    )
    retention.resident_anonymise(resident=Resident.objects.get(pk=resident.pk))
    assert set(GoalProgress.objects.values_list("note", flat=True)) == {""}
    assert GoalProgress.objects.count() == 2


def test_the_migration_gives_existing_goals_a_history(resident):
    import importlib

    from django.apps import apps

    backfill = importlib.import_module("residents.migrations.0006_goal_progress").backfill_history
    open_goal = f.RecoveryGoalFactory(resident=resident)
    done = f.RecoveryGoalFactory(
        resident=resident, status="achieved", closed_on=timezone.localdate()
    )
    dropped = f.RecoveryGoalFactory(
        resident=resident, status="dropped", closed_on=timezone.localdate()
    )
    backfill(apps, None)
    assert statuses(open_goal) == ["not_started"]
    assert statuses(done) == ["not_started", "achieved"]
    assert statuses(dropped) == ["not_started", "set_aside"]


def test_a_refused_step_still_audits_the_view(as_user, manager, resident, goal):
    from mentoring_site.models import AuditEvent

    url = reverse("residents:goal_progress", args=[resident.pk, goal.pk])
    as_user(manager).post(url, {"status": "not_started", "note": ""})
    event = AuditEvent.objects.get()
    assert (event.action, event.resident_id) == ("view", resident.pk)
