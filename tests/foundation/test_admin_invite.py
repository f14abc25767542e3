"""Adding a person in the Django admin: email, name and role, no password to type. The new
account has no usable password and is emailed a link to choose one once the save commits.
A second account for the same address (in any letter case) is a form error."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from mentoring_site.models import User
from mentoring_site.roles import MANAGER_GROUP, Role, role_of
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = reverse("admin:mentoring_site_user_add")


@pytest.fixture
def superuser(db):
    return f.AdminUserFactory(is_staff=True, is_superuser=True)


def valid(**overrides) -> dict:
    data = {
        "email": "New.Manager@Example.org",
        "first_name": "Priya",
        "last_name": "O'Neill",
        "groups": [Group.objects.get(name=MANAGER_GROUP).pk],
    }
    data.update(overrides)
    return data


def test_the_add_form_asks_for_email_name_language_and_role_but_no_password(as_user, superuser):
    response = as_user(superuser).get(URL)
    assert response.status_code == 200
    fields = set(response.context["adminform"].form.fields)
    assert fields == {"email", "first_name", "last_name", "preferred_language", "groups"}
    assert b'name="password1"' not in response.content
    assert b"emailed a link to choose their own" in response.content


def test_an_admin_adds_a_manager_who_is_emailed_a_set_password_link(
    client, as_user, superuser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(superuser).post(URL, valid())
    user = User.objects.get(email="new.manager@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:mentoring_site_user_change", args=[user.pk])
    assert (user.first_name, user.last_name) == ("Priya", "O'Neill")
    assert role_of(user) == Role.MANAGER
    assert not user.has_usable_password()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.manager@example.org"]
    assert "choose your password" in message.subject
    assert "An account has been created for you at Peer Mentoring" in message.body
    assert "Hi Priya," in message.body
    assert message.alternatives  # plain text and HTML

    # The link opens allauth's set-password form for this person.
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", message.body)
    assert link, message.body
    client.logout()
    path = "/" + link.group(0).split("://", 1)[1].split("/", 1)[1]
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert b'name="password1"' in response.content


def test_a_taken_email_in_another_case_is_a_form_error_and_adds_nobody(
    as_user, superuser, manager, django_capture_on_commit_callbacks
):
    before = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(superuser).post(URL, valid(email="  MANAGER@example.ORG "))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["email"] == ["An account with this email address already exists."]
    assert User.objects.count() == before
    assert mail.outbox == []


def test_a_role_is_required(as_user, superuser, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(superuser).post(URL, valid(groups=[]))
    assert response.status_code == 200
    assert "groups" in response.context["adminform"].form.errors
    assert not User.objects.filter(email="new.manager@example.org").exists()
    assert mail.outbox == []


def test_nothing_is_sent_when_the_save_does_not_commit(as_user, superuser):
    # Without the on-commit hook running (the test's transaction never commits), no email.
    response = as_user(superuser).post(URL, valid())
    assert response.status_code == 302
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_the_admin_is_told_when_the_email_could_not_be_sent(as_user, monkeypatch):
    superuser = f.AdminUserFactory(is_staff=True, is_superuser=True)

    def fail(self, fail_silently=False):
        raise ConnectionRefusedError

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", fail)
    response = as_user(superuser).post(URL, valid(), follow=True)
    assert User.objects.filter(email="new.manager@example.org").exists()
    shown = [str(m) for m in response.context["messages"]]
    assert any("could not be sent" in text for text in shown), shown


def test_the_invitation_goes_out_in_the_language_chosen_for_the_person(
    as_user, superuser, django_capture_on_commit_callbacks, monkeypatch
):
    from django.utils import translation

    from mentoring_site import accounts

    seen = []
    original = accounts.render_to_string
    monkeypatch.setattr(
        accounts,
        "render_to_string",
        lambda *a, **k: seen.append(translation.get_language()) or original(*a, **k),
    )
    with django_capture_on_commit_callbacks(execute=True):
        as_user(superuser).post(URL, valid(preferred_language="es"))
    assert User.objects.get(email="new.manager@example.org").preferred_language == "es"
    assert seen == ["es", "es", "es"]
