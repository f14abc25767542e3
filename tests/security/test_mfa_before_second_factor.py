"""Issue 13, the attack as reported: a staff session that knows only the password reached the
recovery codes (and could remove TOTP or enrol its own authenticator) because everything under
/accounts/ was open before the second factor. Now only sign-in, sign-out and the code step
answer; the rest sends the session to the code step."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.templatetags.static import static
from django.urls import reverse

from tests import factories as f
from tests.privacy.totp import totp_code
from tests.security import password_only_session

pytestmark = pytest.mark.django_db

# Everything the attack used, and its neighbours: none may answer before the second factor.
SECOND_FACTOR_ONLY = [
    "mfa_index",
    "mfa_view_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "account_reauthenticate",
    "account_email",
    "account_change_password",
    "activity_log:audit_search",
    "activity_log:dashboard",
    "admin:index",
]


@pytest.fixture
def admin_user(db):
    """A program admin enrolled in TOTP (the factory) with ten recovery codes."""
    user = f.AdminUserFactory(email="admin@example.org", is_staff=True, is_superuser=True)
    RecoveryCodes.activate(user)
    return user


@pytest.fixture
def resident(admin_user):
    return f.ResidentFactory()


def _sent_to_code_step(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse("mfa_reauthenticate")
    )


def test_the_reported_attack_is_refused_at_every_step(client, admin_user, resident):
    codes = RecoveryCodes.activate(admin_user).get_unused_codes()
    # 1. Django's own admin login no longer takes a password.
    response = client.post(
        reverse("admin:login"), {"username": admin_user.email, "password": f.PASSWORD}
    )
    assert not response.wsgi_request.user.is_authenticated
    assert "_auth_user_id" not in client.session

    # Suppose a session got past the password some other way (e.g. from before the fix).
    password_only_session(client, admin_user)
    assert _sent_to_code_step(client.get(reverse("residents:list")))
    # 2. Reauthenticating with the password, then reading the recovery codes: refused.
    response = client.post(reverse("account_reauthenticate"), {"password": f.PASSWORD})
    assert _sent_to_code_step(response)
    for name in ("mfa_view_recovery_codes", "mfa_download_recovery_codes"):
        response = client.get(reverse(name))
        assert _sent_to_code_step(response), name
        assert not any(code in response.content.decode() for code in codes)
    # 3. So there is no code to post, and resident data stays shut.
    assert _sent_to_code_step(client.get(reverse("residents:list")))
    assert _sent_to_code_step(client.get(reverse("activity_log:audit_search")))
    assert RecoveryCodes.activate(admin_user).get_unused_codes() == codes


def test_removing_totp_or_enrolling_another_authenticator_is_refused(client, admin_user):
    password_only_session(client, admin_user)
    client.post(reverse("account_reauthenticate"), {"password": f.PASSWORD})
    before = set(Authenticator.objects.filter(user=admin_user).values_list("pk", flat=True))
    assert _sent_to_code_step(client.post(reverse("mfa_deactivate_totp")))
    assert _sent_to_code_step(client.get(reverse("mfa_activate_totp")))
    assert _sent_to_code_step(client.post(reverse("mfa_activate_totp"), {"code": "123456"}))
    assert _sent_to_code_step(client.post(reverse("mfa_generate_recovery_codes")))
    after = set(Authenticator.objects.filter(user=admin_user).values_list("pk", flat=True))
    assert after == before
    assert _sent_to_code_step(client.get(reverse("residents:list")))


@pytest.mark.parametrize("name", SECOND_FACTOR_ONLY)
def test_account_and_data_pages_wait_for_the_second_factor(client, admin_user, name):
    password_only_session(client, admin_user)
    for response in (client.get(reverse(name)), client.post(reverse(name))):
        assert _sent_to_code_step(response), (name, response.status_code)
        assert response["Location"].endswith("?next=" + reverse(name).replace("/", "%2F"))


def test_a_manager_is_held_the_same_way(client):
    manager = f.ManagerUserFactory()
    password_only_session(client, manager)
    assert _sent_to_code_step(client.get(reverse("mfa_view_recovery_codes")))
    assert _sent_to_code_step(client.get(reverse("account_email")))


def test_sign_out_the_code_step_and_healthz_answer(client, admin_user):
    password_only_session(client, admin_user)
    assert client.get(reverse("mfa_reauthenticate")).status_code == 200
    assert client.get(reverse("healthz")).status_code in (200, 503)
    # Static files are whitenoise's, answered before the gate.
    assert not _sent_to_code_step(client.get(static("css/site.css")))
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert not response.wsgi_request.user.is_authenticated


def test_a_real_totp_code_opens_the_gate(client, admin_user, resident):
    password_only_session(client, admin_user)
    target = reverse("residents:detail", args=[resident.pk])
    gate = client.get(target)
    assert _sent_to_code_step(gate)
    response = client.post(gate["Location"], {"code": "000000"})
    assert response.status_code == 200  # a wrong code: the form again
    assert _sent_to_code_step(client.get(target))
    response = client.post(gate["Location"], {"code": totp_code(f.TOTP_SECRET)})
    assert response.status_code == 302
    assert response["Location"] == target
    assert client.get(target).status_code == 200
    # Now the account pages answer too.
    assert client.get(reverse("mfa_view_recovery_codes")).status_code == 200


def test_the_owner_can_use_a_recovery_code_at_the_code_step(client, admin_user):
    code = RecoveryCodes.activate(admin_user).get_unused_codes()[0]
    password_only_session(client, admin_user)
    response = client.post(reverse("mfa_reauthenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("residents:list")).status_code == 200


def test_mentors_are_not_held(client):
    mentor = f.ClearedMentorFactory()
    client.force_login(mentor.user)
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("account_email")).status_code == 200


def test_guessing_codes_at_the_code_step_is_limited(client, admin_user):
    """The code step is open to a session that knows only the password: allauth's failed-login
    limit (5 per account in 5 minutes) holds back even the right code after wrong ones."""
    from django.core.cache import cache

    cache.clear()
    password_only_session(client, admin_user)
    for guess in ("000000", "111111", "222222", "333333", "444444"):
        assert client.post(reverse("mfa_reauthenticate"), {"code": guess}).status_code == 200
    response = client.post(reverse("mfa_reauthenticate"), {"code": totp_code(f.TOTP_SECRET)})
    assert response.status_code == 200
    assert _sent_to_code_step(client.get(reverse("residents:list")))
    cache.clear()
