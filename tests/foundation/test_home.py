import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_anonymous_users_go_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "url_name", ["home", "activity_log:dashboard", "activity_log:my_mentees", "no_role"]
)
def test_every_page_sends_anonymous_users_to_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_manager_lands_on_dashboard(as_user, manager):
    response = as_user(manager).get("/")
    assert response["Location"] == reverse("activity_log:dashboard")


def test_admin_lands_on_dashboard(as_user, program_admin):
    response = as_user(program_admin).get("/")
    assert response["Location"] == reverse("activity_log:dashboard")


def test_mentor_lands_on_my_mentees(as_user, mentor):
    response = as_user(mentor.user).get("/")
    assert response["Location"] == reverse("activity_log:my_mentees")


def test_user_without_role_is_told_so(as_user):
    response = as_user(f.UserFactory()).get("/", follow=True)
    assert "no role" in response.content.decode()


def test_mentor_cannot_open_the_dashboard(as_user, mentor):
    assert as_user(mentor.user).get(reverse("activity_log:dashboard")).status_code == 404


def test_manager_cannot_open_my_mentees(as_user, manager):
    assert as_user(manager).get(reverse("activity_log:my_mentees")).status_code == 404
