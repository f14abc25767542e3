"""What the matching seeder promises in `seed_demo`."""

import pytest
from django.core.management import call_command

from matching.models import Pairing
from matching.selectors import waiting_queue
from mentoring_site.models import User
from mentors.models import Mentor

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo")


@pytest.mark.parametrize("email", ["mentor@example.com", "mentor2@example.com"])
def test_each_demo_mentor_has_active_mentees_in_different_houses(demo, email):
    active = Pairing.objects.active().filter(mentor__user__email=email)
    assert active.count() >= 2
    assert active.values("resident__house").distinct().count() >= 2


def test_there_are_paused_and_ended_pairings_with_every_kind_of_story(demo):
    assert Pairing.objects.filter(status="paused", pause_reason="manager").exists()
    assert Pairing.objects.filter(status="paused", pause_reason="mentor_unavailable").exists()
    reasons = set(Pairing.objects.filter(status="ended").values_list("end_reason", flat=True))
    assert {"not_a_good_fit", "resident_left", "mentor_unavailable"} <= reasons


def test_some_active_residents_are_waiting_and_the_orphaned_one_comes_first(demo):
    manager = User.objects.get(email="manager@example.com")
    queue = list(waiting_queue(manager))
    assert len(queue) >= 2
    assert queue[0].mentor_unavailable_since is not None


def test_active_pairings_follow_the_rules(demo):
    cleared = set(Mentor.objects.cleared().values_list("pk", flat=True))
    for pairing in Pairing.objects.select_related("resident__house", "mentor"):
        assert pairing.next_due_at == pairing.next_due()
        assert pairing.started_on >= pairing.resident.move_in_date
        if pairing.status == "active":
            assert pairing.mentor_id in cleared
            assert pairing.resident.is_active
    for mentor in Mentor.objects.with_active_mentee_count():
        assert mentor.active_mentees <= mentor.capacity
