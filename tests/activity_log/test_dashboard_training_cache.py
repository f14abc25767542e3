"""The dashboard's "mentors needing training" list is cached per scope with Redis (or any cache
but the database one), and dropped as soon as training is recorded (activity_log/reports/health_cache.py)."""

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from mentors import services as mentor_services
from mentors.models import TrainingCourse, TrainingRecord
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)

URL = reverse("activity_log:dashboard")


@pytest.fixture
def fast_cache(settings):
    settings.DASHBOARD_HEALTH_CACHE_SECONDS = 300
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()
    yield cache
    cache.clear()


def _names(response) -> list[str]:
    return [m.user.first_name for m in response.context["training"].rows]


def test_the_list_is_cached_until_training_is_recorded(as_user, manager, house, fast_cache):
    mentor = f.ClearedMentorFactory(user__first_name="Untrained", trained=False)
    other = f.ClearedMentorFactory(user__first_name="Expiring")
    client = as_user(manager)
    assert _names(client.get(URL)) == ["Untrained"]
    today = timezone.localdate()
    # A change that writes no new mentor or record (here behind the services' back): cached.
    TrainingRecord.objects.filter(mentor=other, course__required=True).update(
        expires_on=today + dt.timedelta(days=10)
    )
    assert _names(client.get(URL)) == ["Untrained"]
    with transaction.atomic():  # the signal goes after commit, as in a request
        for course in TrainingCourse.objects.filter(required=True):
            mentor_services.training_record_create(
                mentor=mentor,
                course=course,
                completed_on=today - dt.timedelta(days=1),
                recorded_by=manager,
            )
    assert _names(client.get(URL)) == ["Expiring"]


def test_a_mentor_going_on_break_leaves_the_list_at_once(as_user, manager, house, fast_cache):
    mentor = f.ClearedMentorFactory(user__first_name="Untrained", trained=False)
    client = as_user(manager)
    assert _names(client.get(URL)) == ["Untrained"]
    with transaction.atomic():
        mentor_services.mentor_change_status(
            mentor=mentor, status="on_break", reason="Holiday", changed_by=manager
        )
    assert _names(client.get(URL)) == []


def test_with_the_database_cache_the_list_is_always_live(as_user, manager, house, settings):
    settings.DASHBOARD_HEALTH_CACHE_SECONDS = 300
    client = as_user(manager)
    f.ClearedMentorFactory(user__first_name="First", trained=False)
    assert _names(client.get(URL)) == ["First"]
    f.ClearedMentorFactory(user__first_name="Second", trained=False)
    assert sorted(_names(client.get(URL))) == ["First", "Second"]
