"""seed_demo shows the feature: the demo mentor's averages, a worrying answer on the dashboard,
recovery checks with a change, residents due for one, and goal histories."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from activity_log.feedback import selectors
from activity_log.feedback.models import FeedbackResponse, RecoveryAssessment
from mentoring_site.models import User
from mentors.models import Mentor
from residents.models import GoalProgress, RecoveryGoal

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo")


def test_the_demo_has_feedback_checks_and_goal_histories(demo, client):
    sam = Mentor.objects.get(user__email="mentor@example.com")
    averages = selectors.mentor_averages(sam)
    assert averages["all_time"].enough and averages["last_90"].enough
    assert FeedbackResponse.objects.worrying().exists()
    assert RecoveryAssessment.objects.values("resident").distinct().count() >= 5
    assert GoalProgress.objects.count() >= RecoveryGoal.objects.count()

    manager = User.objects.get(email="manager@example.com")
    client.force_login(manager)
    dashboard = client.get(reverse("activity_log:dashboard"))
    assert dashboard.context["recovery_due"].total >= 1
    client.force_login(sam.user)
    mine = client.get(reverse("activity_log:feedback_mine")).content.decode()
    assert "Not enough responses yet" not in mine


def test_seeding_twice_adds_nothing(demo, settings):
    before = (FeedbackResponse.objects.count(), RecoveryAssessment.objects.count())
    call_command("seed_demo")
    assert (FeedbackResponse.objects.count(), RecoveryAssessment.objects.count()) == before
