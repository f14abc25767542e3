"""Issue 13, step 1: Django's admin login took a password and nothing else (no second factor, no
rate limit). The admin now signs in through allauth's login: the same two-factor step and the
same rate limits as /accounts/login/."""

import pytest
from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings
from django.urls import reverse

from tests import factories as f
from tests.privacy.totp import totp_code

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = reverse("admin:login")
LOGIN = reverse("account_login")


@pytest.fixture
def admin_user(db):
    return f.AdminUserFactory(email="admin@example.org", is_staff=True, is_superuser=True)


def _login_limit_per_ip() -> int:
    """allauth's per-IP limit on login attempts, as settings.ACCOUNT_RATE_LIMITS gives it."""
    (rate,) = [r for r in parse_rates(settings.ACCOUNT_RATE_LIMITS["login"]) if r.per == "ip"]
    return rate.amount


def test_the_admin_login_page_sends_to_the_allauth_sign_in(client):
    response = client.get(ADMIN_LOGIN, {"next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=%2Fadmin%2F"


def test_a_password_burst_at_the_admin_login_signs_nobody_in(client, admin_user):
    """The report: 15 wrong passwords, then the right one, were accepted."""
    for password in ["wrong-password"] * 15 + [f.PASSWORD]:
        response = client.post(ADMIN_LOGIN, {"username": admin_user.email, "password": password})
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        assert not response.wsgi_request.user.is_authenticated
    assert client.get(reverse("admin:index"))["Location"].startswith(ADMIN_LOGIN)


def test_the_admin_signs_in_with_the_password_and_a_totp_code(client, admin_user):
    sign_in = client.get(reverse("admin:index"), follow=True)
    assert sign_in.redirect_chain[-1][0] == f"{LOGIN}?next=%2Fadmin%2F"
    response = client.post(
        f"{LOGIN}?next=%2Fadmin%2F", {"login": admin_user.email, "password": f.PASSWORD}
    )
    # The password alone is not a session: the code step comes first.
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("admin:index"))["Location"].startswith(ADMIN_LOGIN)
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(f.TOTP_SECRET)})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_admin_sign_in_holds_back_the_right_password_after_wrong_ones(client, admin_user):
    """allauth's failed-login limit per account (login_failed) covers the admin now."""
    for _ in range(15):
        client.post(
            f"{LOGIN}?next=%2Fadmin%2F", {"login": admin_user.email, "password": "wrong-password"}
        )
    response = client.post(
        f"{LOGIN}?next=%2Fadmin%2F", {"login": admin_user.email, "password": f.PASSWORD}
    )
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


@pytest.mark.parametrize("url", [LOGIN, f"{LOGIN}?next=%2Fadmin%2F"], ids=["site", "admin"])
def test_a_wrong_password_burst_is_refused_with_429(client, admin_user, url):
    limit = _login_limit_per_ip()
    for attempt in range(limit):
        response = client.post(url, {"login": f"guess{attempt}@example.org", "password": "x"})
        assert response.status_code == 200, attempt
    response = client.post(url, {"login": admin_user.email, "password": f.PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
