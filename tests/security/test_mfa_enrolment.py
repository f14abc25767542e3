"""Setting up TOTP counts as the second factor only for first-time enrolment: a staff account
that has no authenticator at all. An account that already has one must pass its code."""

import pytest
from allauth.mfa import signals
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import RequestFactory
from django.urls import reverse

from tests import factories as f
from tests.privacy.totp import totp_code
from tests.security import password_only_session

pytestmark = pytest.mark.django_db


def _activate(client) -> None:
    """allauth's activation page, with a code from the secret it generated for this session
    (allauth first asks for the password again: a sign-in is not a reauthentication)."""
    response = client.post(reverse("account_reauthenticate"), {"password": f.PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200, page.get("Location")
    response = client.post(
        reverse("mfa_activate_totp"), {"code": totp_code(client.session["mfa.totp.secret"])}
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def test_first_time_enrolment_answers_and_opens_the_gate(transactional_db, client):
    # Real commits: allauth announces the new authenticator from transaction.on_commit.
    manager = f.ManagerUserFactory(totp=False)
    response = client.post(
        reverse("account_login"), {"login": manager.email, "password": f.PASSWORD}
    )
    assert client.get(reverse("residents:list"))["Location"].startswith(
        reverse("mfa_activate_totp")
    )
    # Before enrolment nothing else of the account answers: recovery codes, email, password.
    for name in ("mfa_view_recovery_codes", "account_email", "account_change_password"):
        assert client.get(reverse(name))["Location"].startswith(reverse("mfa_activate_totp"))
    _activate(client)
    assert client.get(reverse("residents:list")).status_code == 200
    assert response.status_code == 302


def test_enrolment_closes_once_the_account_has_an_authenticator(client):
    manager = f.ManagerUserFactory()
    password_only_session(client, manager)
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_adding_an_authenticator_to_an_enrolled_account_proves_nothing(client):
    """Even if a session without the code step got another authenticator added (the gate keeps
    it from allauth's pages), the announcement must not count as the second factor."""
    manager = f.ManagerUserFactory()
    RecoveryCodes.activate(manager)
    password_only_session(client, manager)
    # Say the account's TOTP went (its recovery codes stay) and another was put in its place.
    Authenticator.objects.filter(user=manager, type=Authenticator.Type.TOTP).delete()
    own = Authenticator.objects.create(
        user=manager,
        type=Authenticator.Type.TOTP,
        data={"secret": get_adapter().encrypt("KRSXG5CTMVRXEZLU")},
    )
    request = RequestFactory().post(reverse("mfa_activate_totp"))
    request.session, request.user = client.session, manager
    signals.authenticator_added.send(
        sender=Authenticator, request=request, user=manager, authenticator=own
    )
    request.session.save()
    response = client.get(reverse("residents:list"))
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_after_removing_totp_the_owner_enrols_again(transactional_db, client):
    """The owner, past the code step, removes TOTP: the session no longer counts as two-factor,
    and enrolling a new authenticator (first-time again: none left) opens it once more."""
    manager = f.ManagerUserFactory()
    client.force_login(manager)  # passed the code step (conftest)
    # allauth asks for a code again before removing it.
    response = client.post(reverse("mfa_reauthenticate"), {"code": totp_code(f.TOTP_SECRET)})
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Authenticator.objects.filter(user=manager).exists()
    assert client.get(reverse("residents:list"))["Location"].startswith(
        reverse("mfa_activate_totp")
    )
    _activate(client)
    assert client.get(reverse("residents:list")).status_code == 200
