import pytest
from django.core.cache import cache
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_it_logs_in_by_email(client, manager):
    manager.authenticator_set.all().delete()  # password only; two-factor: tests/privacy
    response = _login(client, "manager@example.org", f.PASSWORD)
    assert response.status_code == 302
    assert response.wsgi_request.user.is_authenticated


def test_email_is_case_insensitive(client, manager):
    response = _login(client, "Manager@Example.org", f.PASSWORD)
    assert response.status_code == 302


def test_wrong_password_shows_an_error(client, manager):
    response = _login(client, "manager@example.org", "not-the-password")
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_repeated_failures_hit_the_rate_limit(client, manager):
    messages = []
    for _ in range(7):
        response = _login(client, "manager@example.org", "wrong-password")
        messages.append(response.content.decode())
    assert "Too many failed login attempts" in messages[-1]
    # Even the right password is refused while the limit holds.
    response = _login(client, "manager@example.org", f.PASSWORD)
    assert not response.wsgi_request.user.is_authenticated


def test_there_is_no_public_signup(client):
    response = client.get(reverse("account_signup"))
    html = response.content.decode()
    assert "Accounts come from your program" in html
    assert "sign up" not in html.lower()
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "password1": "x-Long-pass-123",
            "password2": "x-Long-pass-123",
        },
    )
    from mentoring_site.models import User

    assert not User.objects.filter(email="new@example.org").exists()


def test_password_reset_sends_an_email(client, manager, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": "manager@example.org"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["manager@example.org"]


def test_sessions_expire_after_a_working_day(settings):
    assert settings.SESSION_COOKIE_AGE <= 10 * 60 * 60


def test_a_reset_for_an_unknown_address_sends_no_sign_up_link(client, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    bodies = [message.body for message in mailoutbox]
    assert bodies, "allauth tells an unknown address that it has no account"
    assert all("sign up" not in body.lower() and "signup" not in body for body in bodies)
    assert "house manager or program admin" in bodies[0]
