"""Recording one course for one mentor: expiry from the course, hours default from the course,
future dates and duplicates refused with a clear message, staff only."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from mentors.models import TrainingCourse, TrainingRecord
from tests import factories as f

pytestmark = pytest.mark.django_db

CRISIS = "Crisis intervention and de-escalation"


def url(mentor) -> str:
    return reverse("mentors:record_training", args=[mentor.pk])


@pytest.fixture
def crisis():
    return TrainingCourse.objects.get(name=CRISIS)


@pytest.fixture
def trainee(db):
    return f.MentorFactory(status="in_training")


def test_anonymous_is_sent_to_sign_in(client, trainee):
    assert "/accounts/login/" in client.get(url(trainee))["Location"]


def test_a_mentor_cannot_record_training_for_anyone(as_user, mentor, mentor2, crisis):
    client = as_user(mentor.user)
    for target in (mentor, mentor2):
        response = client.post(url(target), {"course": crisis.pk, "completed_on": "2026-01-05"})
        assert response.status_code == 404
    assert not TrainingRecord.objects.filter(completed_on="2026-01-05").exists()


def test_a_manager_records_a_course_with_its_expiry_and_hours(as_user, manager, trainee, crisis):
    response = as_user(manager).post(
        url(trainee), {"course": crisis.pk, "completed_on": "2026-01-31", "hours": ""}
    )
    assert response.status_code == 302
    record = TrainingRecord.objects.get(mentor=trainee)
    assert record.expires_on == dt.date(2028, 1, 31)
    assert record.hours == Decimal("4")
    assert record.recorded_by == manager


def test_hours_can_be_given(as_user, manager, trainee, crisis):
    as_user(manager).post(
        url(trainee), {"course": crisis.pk, "completed_on": "2026-01-31", "hours": "2.5"}
    )
    assert TrainingRecord.objects.get().hours == Decimal("2.5")


def test_a_course_that_never_expires_has_no_expiry(as_user, manager, trainee):
    orientation = TrainingCourse.objects.get(name="Orientation to peer mentoring")
    as_user(manager).post(url(trainee), {"course": orientation.pk, "completed_on": "2026-01-31"})
    assert TrainingRecord.objects.get().expires_on is None


def test_the_same_course_on_the_same_date_is_refused_clearly(as_user, manager, trainee, crisis):
    client = as_user(manager)
    data = {"course": crisis.pk, "completed_on": "2026-01-31", "hours": "3"}
    client.post(url(trainee), data)
    response = client.post(url(trainee), data)
    assert response.status_code == 200
    error = response.context["form"].errors["completed_on"][0]
    assert f"already has “{CRISIS}” recorded on 31 January 2026" in error
    assert 'value="3"' in response.content.decode()
    assert TrainingRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"completed_on": "FUTURE"}, "completed_on", "cannot be in the future"),
        ({"completed_on": ""}, "completed_on", "required"),
        ({"completed_on": "2026-02-30"}, "completed_on", "valid date"),
        ({"course": ""}, "course", "required"),
        ({"course": "999999"}, "course", "valid choice"),
        ({"hours": "-1"}, "hours", "greater than or equal to 0"),
        ({"hours": "100"}, "hours", "less than or equal to 99"),
    ],
)
def test_bad_input_is_explained_and_saves_nothing(
    as_user, manager, trainee, crisis, data, field, message
):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    post = {"course": crisis.pk, "completed_on": "2026-01-31", "hours": "", **data}
    if post["completed_on"] == "FUTURE":
        post["completed_on"] = tomorrow
    response = as_user(manager).post(url(trainee), post)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not TrainingRecord.objects.exists()


def test_an_inactive_course_cannot_be_chosen(as_user, manager, trainee, crisis):
    crisis.is_active = False
    crisis.save()
    response = as_user(manager).post(
        url(trainee), {"course": crisis.pk, "completed_on": "2026-01-31"}
    )
    assert "course" in response.context["form"].errors


def test_recording_the_last_course_clears_an_active_mentor(as_user, manager, mentor, crisis):
    TrainingRecord.objects.filter(mentor=mentor, course=crisis).delete()
    assert not mentor.clearance().cleared
    today = timezone.localdate().isoformat()
    as_user(manager).post(url(mentor), {"course": crisis.pk, "completed_on": today})
    assert mentor.clearance().cleared
