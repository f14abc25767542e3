"""Every object URL of mentors/ answers by role (issue 13): the manager of a house the mentor
serves and an admin may change the mentor; a manager of another house reads the profile (for
matching) and gets 404 on every write; mentors get 404; anonymous users go to sign in."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from mentors.models import Mentor, MentorStatusChange, TrainingCourse, TrainingRecord
from tests import factories as f

pytestmark = pytest.mark.django_db

PHONE = "555-0142"


@pytest.fixture
def mentor_here(house):
    """Serves only the first manager's house; has not set a password yet (invite pending)."""
    mentor = f.ClearedMentorFactory(serves_all_houses=False, phone=PHONE, capacity=2)
    mentor.houses.set([house])
    mentor.user.set_unusable_password()
    mentor.user.save()
    return mentor


def urls(mentor) -> dict[str, str]:
    return {
        name: reverse(f"mentors:{name}", args=[mentor.pk])
        for name in ("detail", "edit", "status", "record_training", "resend_invite")
    }


WRITES = {
    "edit": {
        "first_name": "Hacked",
        "last_name": "Name",
        "phone": "",
        "bio": "",
        "gender": "",
        "gender_self_description": "",
        "capacity": "10",
    },
    "status": {"status": "retired", "reason": "Not yours"},
    "record_training": {"course": "", "completed_on": "2026-01-10", "hours": ""},
    "resend_invite": {},
}


def _write_data(name: str) -> dict:
    data = dict(WRITES[name])
    if name == "record_training":
        data["course"] = str(TrainingCourse.objects.filter(is_active=True).first().pk)
    return data


def _unchanged(mentor) -> None:
    mentor.refresh_from_db()
    mentor.user.refresh_from_db()
    assert (mentor.capacity, mentor.status, mentor.user.first_name) == (
        2,
        Mentor.Status.ACTIVE,
        mentor.user.first_name,
    )
    assert mentor.user.first_name != "Hacked"
    assert not MentorStatusChange.objects.filter(mentor=mentor).exists()
    assert not TrainingRecord.objects.filter(mentor=mentor, completed_on="2026-01-10").exists()


@pytest.mark.parametrize("who", ["owner_manager", "program_admin"])
def test_the_owner_manager_and_an_admin_open_every_url(request, as_user, who, mentor_here):
    client = as_user(request.getfixturevalue("manager" if who == "owner_manager" else who))
    for name, url in urls(mentor_here).items():
        if name == "resend_invite":
            assert client.post(url).status_code == 302
            assert len(mail.outbox) == 1
        else:
            assert client.get(url).status_code == 200, name


def test_a_manager_of_another_house_reads_the_profile_but_every_write_is_404(
    as_user, manager2, house2, mentor_here
):
    client = as_user(manager2)
    detail = client.get(urls(mentor_here)["detail"])
    assert detail.status_code == 200
    for name in WRITES:
        url = urls(mentor_here)[name]
        if name != "resend_invite":
            assert client.get(url).status_code == 404, name
        assert client.post(url, _write_data(name)).status_code == 404, name
    _unchanged(mentor_here)
    assert mail.outbox == []


def test_the_outside_manager_sees_what_matching_needs_and_no_more(
    as_user, manager2, house2, mentor_here
):
    html = as_user(manager2).get(urls(mentor_here)["detail"]).content.decode()
    assert str(mentor_here) in html and "0 of 2" in html
    assert PHONE not in html
    for name in WRITES:
        assert urls(mentor_here)[name] not in html, name
    assert "Status history" not in html


def test_a_training_session_cannot_include_a_mentor_outside_their_houses(
    as_user, manager2, house2, mentor_here
):
    course = TrainingCourse.objects.filter(is_active=True).first()
    response = as_user(manager2).post(
        reverse("mentors:record_session"),
        {"course": course.pk, "completed_on": "2026-01-10", "attendees": [mentor_here.pk]},
    )
    assert response.status_code == 200
    assert "attendees" in response.context["form"].errors
    assert not TrainingRecord.objects.filter(mentor=mentor_here, completed_on="2026-01-10").exists()


def test_mentors_get_404_on_every_url(as_user, mentor2, mentor_here):
    client = as_user(mentor2.user)
    for name, url in urls(mentor_here).items():
        if name != "resend_invite":
            assert client.get(url).status_code == 404, name
        if name in WRITES:
            assert client.post(url, _write_data(name)).status_code == 404, name
    _unchanged(mentor_here)


def test_the_mentor_themself_gets_their_profile_and_404_on_staff_urls(as_user, mentor_here):
    mentor_here.user.set_password(f.PASSWORD)
    mentor_here.user.save()
    client = as_user(mentor_here.user)
    assert client.get(urls(mentor_here)["detail"]).url == reverse("mentors:my_profile")
    for name in WRITES:
        assert client.post(urls(mentor_here)[name], _write_data(name)).status_code == 404, name
    _unchanged(mentor_here)


def test_anonymous_users_are_sent_to_sign_in(client, mentor_here):
    for name, url in urls(mentor_here).items():
        response = client.post(url) if name == "resend_invite" else client.get(url)
        assert response.status_code == 302, name
        assert reverse("account_login") in response.url, name
