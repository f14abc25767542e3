"""What the group sessions demo promises, after the whole `seed_demo`."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from activity_log.groups import demo
from activity_log.models import Attendance, GroupSeries, GroupSession
from mentoring_site.demo import DemoContext
from mentoring_site.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_demo")


def test_each_demo_house_has_a_weekly_meeting_and_a_workshop_with_history(seeded):
    for house_id in GroupSeries.objects.exclude(house=None).values_list("house", flat=True):
        kinds = set(GroupSeries.objects.filter(house_id=house_id).values_list("kind", flat=True))
        assert kinds == {"house_meeting", "workshop"}
        assert Attendance.objects.filter(session__house_id=house_id).count() > 10
    assert GroupSeries.objects.filter(house=None, kind="mentor_circle").exists()
    assert Attendance.objects.filter(mentor__isnull=False).exists()


def test_one_session_waits_for_attendance_on_the_managers_dashboard(seeded, client):
    client.force_login(User.objects.get(email="manager@example.com"))
    groups = client.get(reverse("activity_log:dashboard")).context["groups"]
    assert groups.no_attendance.total == 1
    assert groups.missing_meetings.total >= 1


def test_the_demo_mentor_facilitates_today(seeded, client):
    client.force_login(User.objects.get(email="mentor@example.com"))
    assert client.get(reverse("groups:today")).context["sessions"]


def test_seeding_twice_leaves_the_sessions_alone(seeded):
    count = GroupSession.objects.count()
    ctx = DemoContext()
    ctx.users["admin@example.com"] = User.objects.get(email="admin@example.com")
    demo.seed(ctx)
    assert GroupSession.objects.count() == count


def test_large_scale_seeds_a_year_of_weekly_meetings_per_house(
    program_admin, django_assert_max_num_queries
):
    from tests import factories as f

    houses = f.HouseFactory.create_batch(3)
    for house in houses:
        f.ResidentFactory.create_batch(10, house=house)
    ctx = DemoContext(scale="large")
    ctx.data["large_houses"] = houses
    with django_assert_max_num_queries(12):  # bulk, whatever the number of houses
        demo.seed_large(ctx, admin=program_admin)
    for house in houses:
        assert GroupSession.objects.filter(house=house, kind="house_meeting").count() == 52
    assert Attendance.objects.count() == 3 * 52 * 8
