"""Changing one's email address asks for the current password, sends a link to the new address
and tells the old one; the new address is not the sign-in until that link is opened. (Moving an
account to an address someone else reads would hand them its password resets.)"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from mentoring_site.models import User
from tests import factories as f

pytestmark = pytest.mark.django_db

OLD = "mentor@example.org"
NEW = "new.address@example.net"
EMAIL_PAGE = reverse("account_email")


@pytest.fixture
def user(mentor):
    return mentor.user


def _ask_for_change(client, password=f.PASSWORD, email=NEW):
    data = {"action_add": "", "email": email}
    if password is not None:
        data["password"] = password
    return client.post(EMAIL_PAGE, data)


def _signs_in(client, email: str) -> bool:
    client.logout()
    response = client.post(reverse("account_login"), {"login": email, "password": f.PASSWORD})
    return response.wsgi_request.user.is_authenticated


def _link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body).group(1)


def test_the_page_shows_the_current_address_and_asks_for_the_password(client, user):
    client.force_login(user)
    page = client.get(EMAIL_PAGE).content.decode()
    assert f'value="{OLD}"' in page
    assert 'name="password"' in page
    assert "style=" not in page  # the Content-Security-Policy allows no inline style


def test_a_change_without_the_password_is_refused(client, user, mailoutbox):
    client.force_login(user)
    response = _ask_for_change(client, password=None)
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not EmailAddress.objects.filter(email=NEW).exists()
    assert mailoutbox == []


def test_a_wrong_password_is_refused_and_the_typed_address_kept(client, user, mailoutbox):
    client.force_login(user)
    response = _ask_for_change(client, password="not-my-password")
    assert response.status_code == 200
    page = response.content.decode()
    assert "That is not your current password." in page
    assert f'value="{NEW}"' in page
    assert not EmailAddress.objects.filter(email=NEW).exists()
    assert mailoutbox == []


def test_with_the_password_a_link_goes_to_the_new_address_and_a_notice_to_the_old(
    client, user, mailoutbox
):
    client.force_login(user)
    response = _ask_for_change(client)
    assert response.status_code == 302, response.content.decode()[:2000]
    to_new = [m for m in mailoutbox if m.to == [NEW]]
    to_old = [m for m in mailoutbox if m.to == [OLD]]
    assert len(to_new) == 1 and _link_in(to_new[0])
    assert len(to_old) == 1
    assert NEW in to_old[0].body and "not you" in to_old[0].body
    assert f"http://testserver{EMAIL_PAGE}" in to_old[0].body
    # Nothing changed yet: the account's address and sign-in are the old ones.
    user.refresh_from_db()
    assert user.email == OLD
    assert EmailAddress.objects.get(user=user, email=NEW).verified is False


def test_the_new_address_is_the_sign_in_only_once_verified(client, user, mailoutbox):
    client.force_login(user)
    _ask_for_change(client)
    link = _link_in(next(m for m in mailoutbox if m.to == [NEW]))
    assert not _signs_in(client, NEW)
    # Making the pending address primary from the page does not shortcut the link either.
    client.force_login(user)
    client.post(EMAIL_PAGE, {"action_primary": "", "email": NEW})
    assert User.objects.get(pk=user.pk).email == OLD
    assert not _signs_in(client, NEW)
    assert _signs_in(client, OLD)

    mailoutbox.clear()
    response = client.post(link)
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).email == NEW
    assert _signs_in(client, NEW)
    assert not _signs_in(client, OLD)
    # allauth tells the old address once it is done.
    assert [m.to for m in mailoutbox] == [[OLD]]
    assert NEW in mailoutbox[0].body


def test_staff_change_their_address_after_the_second_factor(client, manager, mailoutbox):
    client.force_login(manager)  # passed the code step (conftest)
    response = _ask_for_change(client)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert {tuple(m.to) for m in mailoutbox} == {(NEW,), (manager.email,)}


def test_an_address_the_admin_replaced_gets_no_password_reset(client, user, mailoutbox):
    """A program admin corrects the address in the Django admin: the old one neither signs in
    nor receives the account's password resets any more."""
    client.force_login(user)
    client.get(EMAIL_PAGE)  # the own address is now on record as verified
    admin = f.AdminUserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    change = reverse("admin:mentoring_site_user_change", args=[user.pk])
    form = client.get(change).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("password", "last_login", "date_joined")
    }
    data.update(
        email=NEW,
        groups=[g.pk for g in user.groups.all()],
        user_permissions=[],
        date_joined_0=user.date_joined.date().isoformat(),
        date_joined_1="00:00:00",
        is_active="on",
    )
    data = {k: v for k, v in data.items() if v is not False}
    response = client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    client.logout()
    mailoutbox.clear()
    client.post(reverse("account_reset_password"), {"email": OLD})
    reset_path = reverse("account_reset_password_from_key", args=["UID", "KEY"]).split("UID")[0]
    assert not any(reset_path in m.body for m in mailoutbox)
    assert not _signs_in(client, OLD)
    assert _signs_in(client, NEW)


def test_a_pending_address_gets_no_password_reset(client, user, mailoutbox):
    client.force_login(user)
    _ask_for_change(client)
    client.logout()
    mailoutbox.clear()
    response = client.post(reverse("account_reset_password"), {"email": NEW})
    assert response.status_code == 302
    reset_path = reverse("account_reset_password_from_key", args=["UID", "KEY"]).split("UID")[0]
    assert not any(reset_path in m.body for m in mailoutbox)
    # The own address still gets one.
    client.post(reverse("account_reset_password"), {"email": OLD})
    assert any(reset_path in m.body and m.to == [OLD] for m in mailoutbox)
