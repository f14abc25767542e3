"""A mentor's "My training": what is done, what expires soon, what is missing, and hours."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from mentors.models import TrainingCourse, TrainingRecord
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = reverse("mentors:my_training")
CRISIS = "Crisis intervention and de-escalation"
ETHICS = "Ethics, boundaries and confidentiality"


def test_anonymous_is_sent_to_sign_in(client):
    assert "/accounts/login/" in client.get(URL)["Location"]


def test_staff_get_404(as_user, manager):
    assert as_user(manager).get(URL).status_code == 404


def test_a_cleared_mentor_sees_everything_done_and_their_hours(as_user, mentor):
    response = as_user(mentor.user).get(URL)
    overview = response.context["overview"]
    assert overview.clearance.cleared
    assert overview.missing == []
    # 8 + 4 + 4 + 6 + 3 hours of required courses.
    assert overview.hours == Decimal("25")
    content = response.content.decode()
    assert "Cleared to mentor" in content
    assert "25" in content


def test_it_shows_what_expires_soon_and_what_is_missing(as_user, mentor):
    today = timezone.localdate()
    TrainingRecord.objects.filter(mentor=mentor, course__name=ETHICS).update(
        expires_on=today + dt.timedelta(days=20)
    )
    TrainingRecord.objects.filter(mentor=mentor, course__name=CRISIS).update(
        completed_on=today - dt.timedelta(days=800), expires_on=today - dt.timedelta(days=70)
    )
    response = as_user(mentor.user).get(URL)
    overview = response.context["overview"]
    assert [s.course.name for s in overview.expiring_soon] == [ETHICS]
    assert [s.course.name for s in overview.missing] == [CRISIS]
    content = response.content.decode()
    assert "Expiring soon" in content
    assert "Still to do" in content
    assert f"{CRISIS} expired" in content


def test_a_new_mentor_sees_every_required_course_missing(as_user):
    trainee = f.MentorFactory(status="in_training")
    overview = as_user(trainee.user).get(URL).context["overview"]
    assert len(overview.missing) == TrainingCourse.objects.filter(required=True).count()
    assert overview.hours == 0
    optional = [s for s in overview.standings if s.state == "optional"]
    assert [s.course.name for s in optional] == ["Trauma-informed practice"]


def test_it_shows_only_their_own_training(as_user, mentor, mentor2):
    f.TrainingRecordFactory(mentor=mentor2, hours=Decimal("50"))
    overview = as_user(mentor.user).get(URL).context["overview"]
    assert all(r.mentor_id == mentor.pk for r in overview.records)
    assert overview.hours == Decimal("25")


def test_a_mentor_user_without_a_profile_gets_404(as_user):
    user = f.MentorUserFactory()
    assert as_user(user).get(URL).status_code == 404
