"""A retired mentor cannot sign in, and is signed out everywhere the moment they retire (issue 13).

Retiring turns the account's sign-in off (`is_active=False`) and deletes its sessions; coming
back (active, on break, in training) turns it on again. Both are kept in the mentor's history.
The mentor signs in through the real sign-in form; the manager retires them through the page.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from mentors.models import Mentor, MentorStatusChange
from tests import factories as f

pytestmark = pytest.mark.django_db

MY_MENTEES = reverse("activity_log:my_mentees")


@pytest.fixture
def mentor_here(house):
    mentor = f.ClearedMentorFactory(user__email="sam@example.org", serves_all_houses=False)
    mentor.houses.set([house])
    return mentor


def signed_in(mentor) -> Client:
    """A fresh browser that signs in with the mentor's email and password."""
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": mentor.user.email, "password": f.PASSWORD}
    )
    assert response.status_code == 302, "the mentor can sign in before retiring"
    assert client.get(MY_MENTEES).status_code == 200
    return client


def sessions_of(user) -> list[Session]:
    return [s for s in Session.objects.all() if s.get_decoded().get(SESSION_KEY) == str(user.pk)]


def change_status(manager, mentor, status: str) -> None:
    staff = Client()
    staff.force_login(manager)
    response = staff.post(
        reverse("mentors:status", args=[mentor.pk]), {"status": status, "reason": "Moving away"}
    )
    assert response.status_code == 302


def test_retiring_signs_the_mentor_out_of_every_session_at_once(manager, mentor_here):
    phone, laptop = signed_in(mentor_here), signed_in(mentor_here)
    assert len(sessions_of(mentor_here.user)) == 2
    change_status(manager, mentor_here, Mentor.Status.RETIRED)
    assert sessions_of(mentor_here.user) == []
    for client in (phone, laptop):
        response = client.get(MY_MENTEES)
        assert response.status_code == 302
        assert reverse("account_login") in response.url


def test_a_retired_mentor_cannot_sign_in(manager, mentor_here):
    change_status(manager, mentor_here, Mentor.Status.RETIRED)
    mentor_here.user.refresh_from_db()
    assert mentor_here.user.is_active is False
    client = Client()
    client.post(reverse("account_login"), {"login": mentor_here.user.email, "password": f.PASSWORD})
    assert SESSION_KEY not in client.session
    assert reverse("account_login") in client.get(MY_MENTEES).url


@pytest.mark.parametrize("back_to", ["active", "on_break", "in_training"])
def test_coming_back_turns_sign_in_on_again(manager, mentor_here, back_to):
    change_status(manager, mentor_here, Mentor.Status.RETIRED)
    change_status(manager, mentor_here, back_to)
    mentor_here.user.refresh_from_db()
    assert mentor_here.user.is_active is True
    assert mentor_here.user.has_usable_password(), "the password they had still works"
    signed_in(mentor_here)


def test_both_are_kept_in_the_mentors_history(manager, mentor_here):
    change_status(manager, mentor_here, Mentor.Status.RETIRED)
    change_status(manager, mentor_here, Mentor.Status.ACTIVE)
    history = list(
        MentorStatusChange.objects.filter(mentor=mentor_here)
        .order_by("changed_at", "id")
        .values_list("to_status", "account", "changed_by")
    )
    assert history == [
        ("retired", "deactivated", manager.pk),
        ("active", "reactivated", manager.pk),
    ]
    staff = Client()
    staff.force_login(manager)
    html = staff.get(reverse("mentors:detail", args=[mentor_here.pk])).content.decode()
    assert "Sign-in turned off" in html and "Sign-in turned back on" in html


def test_going_on_break_leaves_sign_in_alone(manager, mentor_here):
    client = signed_in(mentor_here)
    change_status(manager, mentor_here, Mentor.Status.ON_BREAK)
    mentor_here.user.refresh_from_db()
    assert mentor_here.user.is_active is True
    assert client.get(MY_MENTEES).status_code == 200
    assert MentorStatusChange.objects.get().account == ""


def test_other_peoples_sessions_are_left_alone(manager, mentor_here, mentor2):
    other = signed_in(mentor2)
    change_status(manager, mentor_here, Mentor.Status.RETIRED)
    assert other.get(MY_MENTEES).status_code == 200
    assert len(sessions_of(mentor2.user)) == 1
