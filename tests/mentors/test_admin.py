"""The Django admin pages for mentors, courses, training records and status changes load, and
training added there gets its expiry from the course."""

import datetime as dt

import pytest
from django.urls import reverse

from mentors.models import TrainingCourse, TrainingRecord
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    user = f.AdminUserFactory(is_staff=True, is_superuser=True)
    return user


@pytest.mark.parametrize(
    "name", ["mentor", "trainingcourse", "trainingrecord", "mentorstatuschange"]
)
def test_changelists_load(as_user, superuser, mentor, name):
    response = as_user(superuser).get(reverse(f"admin:mentors_{name}_changelist"))
    assert response.status_code == 200


def test_the_mentor_list_shows_clearance_without_a_query_per_row(
    as_user, superuser, django_assert_max_num_queries
):
    for _ in range(3):
        f.ClearedMentorFactory()
    client = as_user(superuser)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("admin:mentors_mentor_changelist"))
    assert response.status_code == 200
    for _ in range(20):
        f.MentorFactory()
    with django_assert_max_num_queries(30):
        client.get(reverse("admin:mentors_mentor_changelist"))


def test_the_mentor_change_page_loads(as_user, superuser, mentor):
    response = as_user(superuser).get(reverse("admin:mentors_mentor_change", args=[mentor.pk]))
    assert response.status_code == 200


def test_a_record_added_in_the_admin_gets_its_expiry(as_user, superuser, mentor):
    crisis = TrainingCourse.objects.get(name="Crisis intervention and de-escalation")
    response = as_user(superuser).post(
        reverse("admin:mentors_trainingrecord_add"),
        {"mentor": mentor.pk, "course": crisis.pk, "completed_on": "2026-01-15", "hours": "4"},
    )
    assert response.status_code == 302
    record = TrainingRecord.objects.get(mentor=mentor, completed_on="2026-01-15")
    assert record.expires_on == dt.date(2028, 1, 15)
    assert record.recorded_by == superuser
