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


@pytest.fixture
def large_ctx():
    """Two "bulk" houses of 15 residents, each with a goal and a pairing that had contacts."""
    import datetime as dt

    from django.utils import timezone

    from matching.models import Pairing
    from mentoring_site.demo import DemoContext
    from tests import factories as f

    houses = f.HouseFactory.create_batch(2)
    today = timezone.localdate()
    for house in houses:
        for resident in f.ResidentFactory.create_batch(15, house=house):
            f.RecoveryGoalFactory(resident=resident)
            f.PairingFactory(resident=resident, started_on=today - dt.timedelta(days=50))
    Pairing.objects.update(last_contact_at=timezone.now() - dt.timedelta(days=2))
    ctx = DemoContext(scale="large")
    ctx.data["large_houses"] = houses
    return ctx


def test_large_scale_seeds_answers_checks_and_goal_steps_in_bulk(
    large_ctx, django_assert_max_num_queries
):
    """`seed_demo --scale large` fills the feedback and recovery pages of the bulk houses too
    (they are benchmarked at that size), in a bounded number of queries."""
    from activity_log.feedback import demo as feedback_demo
    from residents.models import Resident

    with django_assert_max_num_queries(12):  # bulk, whatever the number of residents
        feedback_demo.seed_large(large_ctx)

    answers = FeedbackResponse.objects.select_related("request", "pairing")
    assert answers.count() > 5
    for answer in answers:
        assert answer.request.used_at == answer.submitted_at
        assert answer.resident_id == answer.pairing.resident_id
        assert answer.mentor_id == answer.pairing.mentor_id
        assert answer.submitted_at.date() >= answer.pairing.started_on
    checked = RecoveryAssessment.objects.values("resident").distinct().count()
    assert Resident.objects.count() // 2 <= checked < Resident.objects.count()  # some are due
    assert GoalProgress.objects.values("goal").distinct().count() == RecoveryGoal.objects.count()

    feedback_demo.seed_large(large_ctx)  # a second run adds nothing
    assert FeedbackResponse.objects.count() == answers.count()


def test_seed_at_large_scale_runs_the_bulk_seeder(large_ctx):
    from activity_log.feedback import demo as feedback_demo
    from tests import factories as f

    demo_resident = f.ResidentFactory()
    large_ctx.data["residents"] = [demo_resident]
    feedback_demo.seed(large_ctx)
    bulk = RecoveryAssessment.objects.filter(resident__house__in=large_ctx.data["large_houses"])
    assert bulk.exists()
    assert FeedbackResponse.objects.exists()
