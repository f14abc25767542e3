"""Recording a whole training session: one course, one date, the ticked attendees, all or
nothing; duplicates named; staff only."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from mentors.models import Mentor, TrainingCourse, TrainingRecord
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = reverse("mentors:record_session")
MI = "Motivational interviewing basics"


@pytest.fixture
def mi():
    return TrainingCourse.objects.get(name=MI)


@pytest.fixture
def trainees(db):
    return [
        f.MentorFactory(status="in_training", user__first_name=name, user__last_name="Trainee")
        for name in ("Ann", "Bea", "Cal")
    ]


def test_anonymous_is_sent_to_sign_in(client):
    assert "/accounts/login/" in client.get(URL)["Location"]


def test_a_mentor_gets_404(as_user, mentor, mi):
    client = as_user(mentor.user)
    assert client.get(URL).status_code == 404
    data = {"course": mi.pk, "completed_on": "2026-01-10", "attendees": [mentor.pk]}
    assert client.post(URL, data).status_code == 404
    assert not TrainingRecord.objects.filter(course=mi, completed_on="2026-01-10").exists()


def test_it_lists_everyone_but_retired_mentors(as_user, manager, trainees):
    f.MentorFactory(status="retired", user__first_name="Old")
    response = as_user(manager).get(URL)
    listed = [m.user.first_name for m in response.context["attendees"]]
    assert listed == ["Ann", "Bea", "Cal"]


def test_the_list_can_be_narrowed_to_a_house(as_user, manager, house, trainees):
    trainees[0].serves_all_houses = False
    trainees[0].save()
    trainees[1].serves_all_houses = False
    trainees[1].save()
    trainees[1].houses.add(house)
    response = as_user(manager).get(URL, {"house": house.pk})
    listed = [m.user.first_name for m in response.context["attendees"]]
    assert listed == ["Bea", "Cal"]


def test_a_manager_records_the_session_for_every_ticked_mentor(as_user, manager, trainees, mi):
    response = as_user(manager).post(
        URL,
        {"course": mi.pk, "completed_on": "2026-01-10", "attendees": [m.pk for m in trainees[:2]]},
    )
    assert response.status_code == 302
    records = TrainingRecord.objects.filter(course=mi, completed_on="2026-01-10")
    assert {r.mentor_id for r in records} == {trainees[0].pk, trainees[1].pk}
    assert all(r.recorded_by == manager and r.hours == mi.hours for r in records)


def test_a_session_with_someone_already_recorded_is_refused_whole_and_names_them(
    as_user, manager, trainees, mi
):
    TrainingRecord.objects.create(
        mentor=trainees[1], course=mi, completed_on=dt.date(2026, 1, 10), hours=6
    )
    response = as_user(manager).post(
        URL, {"course": mi.pk, "completed_on": "2026-01-10", "attendees": [m.pk for m in trainees]}
    )
    assert response.status_code == 200
    error = response.context["form"].errors["attendees"][0]
    assert "already recorded on 10 January 2026 for: Bea Trainee" in error
    assert TrainingRecord.objects.count() == 1
    # What was ticked stays ticked.
    assert response.content.decode().count("checked") >= 3


def test_a_double_submit_records_nothing_twice(as_user, manager, trainees, mi):
    client = as_user(manager)
    data = {"course": mi.pk, "completed_on": "2026-01-10", "attendees": [trainees[0].pk]}
    client.post(URL, data)
    response = client.post(URL, data)
    assert response.status_code == 200
    assert TrainingRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"attendees": []}, "attendees"),
        ({"attendees": ["999999"]}, "attendees"),
        ({"completed_on": "FUTURE"}, "completed_on"),
        ({"course": ""}, "course"),
    ],
)
def test_bad_input_is_explained_and_saves_nothing(as_user, manager, trainees, mi, data, field):
    post = {"course": mi.pk, "completed_on": "2026-01-10", "attendees": [trainees[0].pk], **data}
    if post["completed_on"] == "FUTURE":
        post["completed_on"] = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = as_user(manager).post(URL, post)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not TrainingRecord.objects.exists()


def test_a_retired_mentor_cannot_be_slipped_in(as_user, manager, mi):
    retired = f.MentorFactory(status=Mentor.Status.RETIRED)
    response = as_user(manager).post(
        URL, {"course": mi.pk, "completed_on": "2026-01-10", "attendees": [retired.pk]}
    )
    assert "attendees" in response.context["form"].errors
    assert not TrainingRecord.objects.exists()


def test_the_page_runs_a_fixed_number_of_queries(as_user, manager, django_assert_max_num_queries):
    client = as_user(manager)
    f.MentorFactory()
    with django_assert_max_num_queries(10):
        client.get(URL)
    for _ in range(30):
        f.MentorFactory()
    with django_assert_max_num_queries(10):
        client.get(URL)


def test_the_list_can_be_narrowed_to_a_status(as_user, manager, trainees, mentor):
    response = as_user(manager).get(URL, {"status": "active"})
    assert [m.user.first_name for m in response.context["attendees"]] == ["Sam"]


def test_a_long_list_is_capped_but_keeps_what_was_ticked(as_user, manager, mi, monkeypatch):
    monkeypatch.setattr("mentors.views.SESSION_LIST_LIMIT", 2)
    people = [f.MentorFactory(user__first_name=f"P{i}") for i in range(4)]
    client = as_user(manager)
    response = client.get(URL)
    assert [m.user.first_name for m in response.context["attendees"]] == ["P0", "P1"]
    assert "Showing the first 2 of 4 mentors" in " ".join(response.content.decode().split())
    # A refused submit still shows P3, who was ticked though beyond the cap.
    response = client.post(URL, {"course": mi.pk, "completed_on": "", "attendees": [people[3].pk]})
    assert [m.user.first_name for m in response.context["attendees"]] == ["P0", "P1", "P3"]
    assert response.context["ticked"] == {str(people[3].pk)}
