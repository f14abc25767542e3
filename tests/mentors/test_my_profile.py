"""A mentor edits their own profile, except what clearance and matching depend on (forged POST
fields change nothing: tests/security/test_roles_own_profile.py)."""

import pytest
from django.urls import reverse

from mentors.models import Mentor
from residents.models import Language

pytestmark = pytest.mark.django_db

URL = reverse("mentors:my_profile")


def valid(**overrides) -> dict:
    data = {
        "first_name": "Samuel",
        "last_name": "Okafor",
        "phone": "555-0123",
        "bio": "Six years sober.",
        "gender": "man",
        "gender_self_description": "",
    }
    data.update(overrides)
    return data


def test_anonymous_is_sent_to_sign_in(client):
    assert "/accounts/login/" in client.get(URL)["Location"]


def test_staff_get_404(as_user, manager):
    assert as_user(manager).get(URL).status_code == 404


def test_a_mentor_updates_their_profile(as_user, mentor):
    spanish = Language.objects.get(code="es")
    response = as_user(mentor.user).post(URL, valid(languages=[spanish.pk]))
    assert response.status_code == 302
    mentor.refresh_from_db()
    mentor.user.refresh_from_db()
    assert mentor.user.first_name == "Samuel"
    assert mentor.phone == "555-0123"
    assert list(mentor.languages.all()) == [spanish]


def test_the_form_has_no_status_or_capacity(as_user, mentor):
    form = as_user(mentor.user).get(URL).context["form"]
    assert "status" not in form.fields
    assert "capacity" not in form.fields


def test_a_forged_post_cannot_change_status_or_capacity(as_user, mentor):
    mentor.capacity = 2
    mentor.status = Mentor.Status.ON_BREAK
    mentor.save()
    response = as_user(mentor.user).post(URL, valid(status="active", capacity="10"))
    assert response.status_code == 302
    mentor.refresh_from_db()
    assert mentor.capacity == 2
    assert mentor.status == Mentor.Status.ON_BREAK
    assert mentor.phone == "555-0123"


def test_they_edit_only_themselves(as_user, mentor, mentor2):
    as_user(mentor.user).post(URL, valid(first_name="Changed"))
    mentor2.user.refresh_from_db()
    assert mentor2.user.first_name == "Jordan"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "", "required"),
        ("phone", "5" * 31, "at most 30"),
        ("bio", "x" * 1001, "at most 1000"),
    ],
)
def test_bad_input_is_explained_and_saves_nothing(as_user, mentor, field, value, message):
    response = as_user(mentor.user).post(URL, valid(**{field: value}, last_name="Typed-Ü"))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert 'value="Typed-Ü"' in response.content.decode()
    mentor.refresh_from_db()
    mentor.user.refresh_from_db()
    assert mentor.user.last_name != "Typed-Ü"
    assert mentor.phone == ""
