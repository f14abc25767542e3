"""Staff must set up and pass TOTP before they reach resident data; mentors are only invited."""

import time

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from mentoring_site.models import AuditEvent
from mentoring_site.security import LAST_SEEN_KEY
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(manager):
    # Made-up names: "not on the page" cannot fail on a random name that is a word of the page.
    return f.ResidentFactory(
        house=f.HouseFactory(managers=[manager]), preferred_name="Quillon", last_name="Zebulonsky"
    )


def _detail(resident):
    """The resident page itself: the record the gate protects."""
    return reverse("residents:detail", args=[resident.pk])


def test_a_manager_without_totp_is_sent_to_set_it_up(client, resident):
    manager = f.ManagerUserFactory(totp=False)
    resident.house.managers.add(manager)
    client.force_login(manager)
    response = client.get(_detail(resident))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    # Neither the refusal nor the pages it leads to (confirm the password, then set up) show
    # the record.
    setup = client.get(response["Location"], follow=True)
    assert setup.status_code == 200
    for body in (response.content.decode(), setup.content.decode()):
        assert "Quillon" not in body and "Zebulonsky" not in body
    # Refused before the view ran: nothing was shown, so nothing is in the trail.
    assert not AuditEvent.objects.filter(action="view", resident_id=resident.pk).exists()


def test_the_gate_also_covers_the_who_accessed_this_record_slot(client, resident):
    manager = f.ManagerUserFactory(totp=False)
    resident.house.managers.add(manager)
    client.force_login(manager)
    response = client.get(reverse("activity_log:resident_access", args=[resident.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_the_gate_covers_the_dashboard_and_the_admin(client):
    admin = f.AdminUserFactory(totp=False, is_staff=True, is_superuser=True)
    client.force_login(admin)
    for url in (reverse("activity_log:dashboard"), reverse("admin:index"), reverse("home")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_sign_out_and_the_setup_page_stay_reachable(client):
    manager = f.ManagerUserFactory(totp=False)
    client.force_login(manager)
    setup = client.get(reverse("mfa_activate_totp"))
    # allauth first asks for the password again (a sign-in is not a reauthentication); that step
    # is part of first-time enrolment, so it answers too.
    assert setup.status_code == 302
    assert setup["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(setup["Location"]).status_code == 200
    assert client.get(reverse("healthz")).status_code in (200, 503)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert not response.wsgi_request.user.is_authenticated


def test_a_manager_with_totp_who_passed_it_reads_the_resident_page(client, manager, resident):
    client.force_login(manager)  # conftest records the TOTP step like allauth does
    response = client.get(_detail(resident))
    assert response.status_code == 200
    assert resident.preferred_name in response.content.decode()
    assert AuditEvent.objects.filter(user=manager, action="view", resident_id=resident.pk).exists()


def test_a_manager_who_signs_in_with_a_recovery_code_reads_the_resident_page(
    client, manager, resident
):
    """Lost phone: the password, then one of the recovery codes instead of a TOTP code."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    code = RecoveryCodes.activate(manager).get_unused_codes()[0]
    response = client.post(
        reverse("account_login"), {"login": manager.email, "password": f.PASSWORD}
    )
    assert response["Location"].startswith(reverse("mfa_authenticate"))
    # The password alone does not open the record.
    assert client.get(_detail(resident)).status_code == 302
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302, response.content.decode()[:2000]
    methods = client.session["account_authentication_methods"]
    assert {"method": "mfa", "type": "recovery_codes"}.items() <= methods[-1].items()
    response = client.get(_detail(resident))
    assert response.status_code == 200
    assert resident.preferred_name in response.content.decode()
    assert AuditEvent.objects.filter(user=manager, action="view", resident_id=resident.pk).exists()
    # The code is spent.
    assert code not in RecoveryCodes.activate(manager).get_unused_codes()


def test_a_manager_with_totp_but_no_code_this_session_is_asked_for_one(client, manager, resident):
    client.force_login(manager)
    session = client.session
    session["account_authentication_methods"] = [{"method": "password", "at": time.time()}]
    session.save()
    response = client.get(_detail(resident))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_htmx_requests_are_redirected_with_a_header(client, resident):
    manager = f.ManagerUserFactory(totp=False)
    client.force_login(manager)
    response = client.get(_detail(resident), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("mfa_activate_totp"))


def test_activating_totp_opens_the_gate_in_the_same_session(transactional_db, client):
    # Real commits: allauth announces the new authenticator from transaction.on_commit.
    resident = f.ResidentFactory()
    from tests.privacy.totp import totp_code

    manager = f.ManagerUserFactory(totp=False)
    resident.house.managers.add(manager)
    client.post(reverse("account_login"), {"login": manager.email, "password": f.PASSWORD})
    # allauth asks for the password again before a security change.
    gate = client.get(_detail(resident))
    assert gate["Location"].startswith(reverse("mfa_activate_totp"))
    client.post(reverse("account_reauthenticate"), {"password": f.PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    code = totp_code(secret)
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Authenticator.objects.filter(user=manager, type="totp").exists()
    # Recovery codes are generated with it.
    assert Authenticator.objects.filter(user=manager, type="recovery_codes").exists()
    assert client.get(_detail(resident)).status_code == 200


def test_mentors_are_not_forced(client, mentor):
    client.force_login(mentor.user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert "2fa" not in response["Location"]


def test_staff_sessions_end_after_thirty_idle_minutes(client, manager, resident, settings):
    client.force_login(manager)
    assert client.get(_detail(resident)).status_code == 200
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.get(_detail(resident))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not response.wsgi_request.user.is_authenticated


def test_an_idle_staff_form_post_is_signed_out_without_a_next_back_to_it(client, manager):
    """After signing in again, `next` would GET a POST-only address; the idle limit also holds on
    the account pages now that they are no longer exempt."""
    client.force_login(manager)
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.post(reverse("account_email"), {"action_add": ""})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert not response.wsgi_request.user.is_authenticated


def test_staff_activity_keeps_the_session_alive(client, manager, resident):
    client.force_login(manager)
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 29 * 60
    session.save()
    assert client.get(_detail(resident)).status_code == 200
    assert client.session[LAST_SEEN_KEY] >= int(time.time()) - 5
    assert client.session.get_expiry_age() == 30 * 60


def test_mentor_sessions_last_fourteen_days(client, mentor):
    client.force_login(mentor.user)
    client.get(reverse("home"))
    age = client.session.get_expiry_age()
    assert 14 * 24 * 3600 - 60 <= age <= 14 * 24 * 3600


def test_a_mentor_who_signs_in_with_the_form_keeps_a_fourteen_day_cookie(client, mentor):
    response = client.post(
        reverse("account_login"), {"login": mentor.user.email, "password": f.PASSWORD}
    )
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert int(cookie["max-age"]) > 13 * 24 * 3600


def test_removing_totp_closes_the_gate_again(client, manager, resident):
    from allauth.mfa.base.internal.flows import delete_and_cleanup
    from django.test import RequestFactory

    client.force_login(manager)
    assert client.get(_detail(resident)).status_code == 200
    request = RequestFactory().post("/accounts/2fa/totp/deactivate/")
    request.session, request.user = client.session, manager
    delete_and_cleanup(request, Authenticator.objects.get(user=manager, type="totp"))
    request.session.save()
    response = client.get(_detail(resident))
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_mentors_without_two_factor_get_an_invitation_after_sign_in(client, mentor):
    response = client.post(
        reverse("account_login"), {"login": mentor.user.email, "password": f.PASSWORD}, follow=True
    )
    assert "two-factor" in response.content.decode()
