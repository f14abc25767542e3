"""The resident page's goals (residents.selectors.goals_with_steps, one query): open goals first
by target date, then closed ones; each goal's timeline in order with each step's author, a goal
with no step yet shown without one, and each open goal's buttons."""

import datetime as dt
import re

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from mentoring_site import audit
from residents.models import GoalProgress, RecoveryGoal
from tests import factories as f

pytestmark = pytest.mark.django_db


def page_text(client, resident) -> str:
    html = client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    return re.sub(r"\s*(<|>)\s*", r"\1", " ".join(html.split()))


def test_goals_and_their_timelines(as_user, manager, house):
    resident = f.ResidentFactory(house=house)
    today = timezone.localdate()
    later = RecoveryGoal.objects.create(
        resident=resident,
        category="housing",
        text="Own lease",
        target_date=today + dt.timedelta(days=90),
    )
    sooner = RecoveryGoal.objects.create(
        resident=resident,
        category="employment",
        text="Find a job",
        target_date=today + dt.timedelta(days=30),
    )
    done = RecoveryGoal.objects.create(
        resident=resident,
        category="health",
        text="See a doctor",
        status="achieved",
        closed_on=today,
    )
    now = timezone.now()
    author = f.UserFactory(first_name="", email="pat.lee@example.com")
    GoalProgress.objects.create(
        goal=sooner, status="in_progress", note="Second", by=manager, at=now
    )
    GoalProgress.objects.create(
        goal=sooner, status="not_started", note="First", by=author, at=now - dt.timedelta(days=2)
    )
    GoalProgress.objects.create(goal=done, status="achieved", note="Done", by=None, at=now)
    text = page_text(as_user(manager), resident)
    # Open goals by target date, then the closed one; "Own lease" has no step yet.
    assert text.index("Find a job") < text.index("Own lease") < text.index("See a doctor")
    own_lease = text[text.index("Own lease") : text.index("See a doctor")]
    assert "goal-timeline" not in own_lease
    # Steps oldest first, each with its author: first name, else the email's name.
    assert text.index("First") < text.index("Second")
    assert '— First<span class="text-body-tertiary">(pat.lee)</span>' in text
    assert f'— Second<span class="text-body-tertiary">({manager.first_name})</span>' in text
    assert "— Done</li>" in text  # no author recorded: none shown
    # Each open goal's buttons point at that goal.
    for goal in (later, sooner):
        for name in ("goal_progress", "goal_edit", "goal_achieve", "goal_drop"):
            assert reverse(f"residents:{name}", args=[resident.pk, goal.pk]) in text
    for name in ("goal_progress", "goal_edit", "goal_achieve", "goal_drop"):
        assert reverse(f"residents:{name}", args=[resident.pk, done.pk]) not in text


def test_the_goals_query_is_one_whatever_the_steps(
    as_user, manager, house, django_assert_max_num_queries, no_page_cache
):
    resident = f.ResidentFactory(house=house)
    for i in range(4):
        goal = RecoveryGoal.objects.create(resident=resident, category="health", text=f"Goal {i}")
        for j in range(3):
            GoalProgress.objects.create(
                goal=goal, status="in_progress", note=f"Step {i}.{j}", by=manager
            )
    client = as_user(manager)
    client.get(reverse("residents:detail", args=[resident.pk]))
    # session, user, groups, resident, consents, goals with steps, languages and pathways, audit
    with django_assert_max_num_queries(8):
        response = client.get(reverse("residents:detail", args=[resident.pk]))
    assert response.content.decode().count("Step ") == 12


def test_the_page_is_three_templates_whatever_its_goals_consents_and_cards(as_user, manager, house):
    """One file draws the sections (was 14 renders for three goals: an include per section, per
    goal timeline and per card), the body the page cache keeps; each card still loads from its
    own URL with this visit's token."""
    resident = f.ResidentFactory(house=house)
    for i in range(3):
        goal = RecoveryGoal.objects.create(resident=resident, category="health", text=f"Goal {i}")
        GoalProgress.objects.create(goal=goal, status="in_progress", note=f"Step {i}", by=manager)
    f.ConsentRecordFactory(resident=resident)
    f.ConsentRecordFactory(resident=resident)
    response = as_user(manager).get(reverse("residents:detail", args=[resident.pk]))
    assert [t.name for t in response.templates] == [
        "residents/_detail_body.html",
        "residents/detail.html",
        "base.html",
        "_nav_items.html",
    ]
    text = response.content.decode()
    assert text.count('class="list-group-item px-0 goal') == 3
    assert text.count("Step ") == 3
    assert "Consent history (2)" in text
    token = re.search(r'"X-Audit-Visit": "([^"]+)"', text).group(1)
    assert signing.loads(token, salt=audit.VISIT_SALT) == [manager.pk, resident.pk]
    for name, url_name in (
        ("pairings", "matching:resident_pairings"),
        ("timeline", "activity_log:resident_timeline"),
        ("groups", "groups:resident_attendance"),
        ("feedback", "activity_log:feedback_resident"),
        ("recovery", "activity_log:recovery_resident"),
    ):
        card = text[text.index(f'id="{name}-heading"') :]
        card = card[: card.index("</section>")]
        assert f'hx-get="{reverse(url_name, args=[resident.pk])}"' in card
        assert f'"X-Audit-Visit": "{token}"' in card
