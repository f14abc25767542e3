"""seed_demo enrols the demo staff in TOTP with the documented secret."""

import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.urls import reverse

from mentoring_site.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, DemoContext, create_accounts
from tests.privacy.totp import totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_accounts():
    cache.clear()
    ctx = DemoContext()
    create_accounts(ctx)
    return ctx.users


def test_staff_accounts_have_totp_and_recovery_codes_mentors_do_not(demo_accounts):
    for email in ("admin@example.com", "manager@example.com", "manager2@example.com"):
        types = set(Authenticator.objects.filter(user__email=email).values_list("type", flat=True))
        assert types == {"totp", "recovery_codes"}, email
    for email in ("mentor@example.com", "mentor2@example.com"):
        assert not Authenticator.objects.filter(user__email=email).exists()


def test_running_it_twice_does_not_enrol_twice(demo_accounts):
    create_accounts(DemoContext())
    assert Authenticator.objects.filter(user__email="manager@example.com").count() == 2


def test_the_demo_manager_signs_in_with_a_code_from_the_secret(client, demo_accounts):
    response = client.post(
        reverse("account_login"), {"login": "manager@example.com", "password": DEMO_PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(DEMO_TOTP_SECRET)})
    assert response.status_code == 302
    # Staff sessions: 30 minutes, renewed while they work.
    assert int(response.cookies["sessionid"]["max-age"]) == 30 * 60
    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home["Location"] == reverse("activity_log:dashboard")
    assert client.get(home["Location"]).status_code == 200


def test_a_wrong_code_keeps_the_manager_out(client, demo_accounts):
    client.post(
        reverse("account_login"), {"login": "manager@example.com", "password": DEMO_PASSWORD}
    )
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
