"""The sign-in page is written out by hand (templates/account/login.html) rather than through
allauth's element templates, which cost about 25 template renders a request."""

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_it_renders_in_two_templates_with_both_fields_and_the_next_page(client):
    response = client.get(reverse("account_login") + "?next=/my/")
    assert [t.name for t in response.templates] == ["account/login.html", "base.html"]
    html = response.content.decode()
    assert 'name="login"' in html and 'type="email"' in html
    assert 'name="password"' in html and 'autocomplete="current-password"' in html
    assert 'name="next" value="/my/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert reverse("account_reset_password") in html
    assert "sign up" not in html.lower()


def test_a_wrong_password_says_so_and_keeps_the_email(client):
    f.MentorUserFactory(email="someone@example.org")
    response = client.post(
        reverse("account_login"), {"login": "someone@example.org", "password": "not-it"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "not correct" in html
    assert 'value="someone@example.org"' in html
