"""Accounts are created by admins and managers, never by sign-up; each new person is emailed a
link to choose their own password.

- `AccountAdapter` closes allauth's sign-up.
- `set_password_url(user)` is allauth's reset-from-key link for that user.
- `account_send_set_password_email(user=...)` sends the invitation; `mentor_create` and the
  Django admin's add-user form both use it (mentors get their own wording).
- Email changes (docs/privacy.md): `ChangeEmailForm` asks for the current password and tells the
  old address; allauth sends the new one a verification link. The sign-in and the password
  reset address are the account's own address (`User.email`: `AddressOfRecordBackend`,
  `OwnAddressResetPasswordForm`), which allauth replaces only once the new address is
  verified; `email_page` makes sure that own address is on record as verified first.
"""

from __future__ import annotations

import logging

from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.account.auth_backends import AuthenticationBackend
from allauth.account.forms import (
    AddEmailForm,
    PasswordField,
    ResetPasswordForm,
    default_token_generator,
)
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from allauth.account.views import email as allauth_email_view
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

from mentoring_site.audit import client_ip
from mentoring_site.i18n import override_for
from mentoring_site.models import User

logger = logging.getLogger(__name__)

# templates/emails/account_created_{subject.txt,body.txt,body.html}
ACCOUNT_CREATED_TEMPLATES = "emails/account_created"


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by admins and managers; nobody signs themselves up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_client_ip(self, request: HttpRequest) -> str:
        """Rate limits key on the address the audit trail records (TRUSTED_PROXY_COUNT)."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip


def set_password_url(user: User) -> str:
    """allauth's reset-from-key link, so the person chooses a password on allauth's own page."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return f"{settings.SITE_URL}{path}"


def account_send_set_password_email(
    *, user: User, templates: str = ACCOUNT_CREATED_TEMPLATES
) -> bool:
    """Emails `user` a link to set their password, using `<templates>_subject.txt`, `_body.txt`
    and `_body.html`. Returns False if sending failed (logged by user id only: no addresses or
    names in logs) so the caller can say so."""
    context = {
        "user": user,
        "first_name": user.display_first_name,
        "url": set_password_url(user),
        "site_url": settings.SITE_URL,
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    with override_for(user):  # the person's language once chosen, else the site default
        subject = render_to_string(f"{templates}_subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"{templates}_body.txt", context),
            to=[user.email],
        )
        message.attach_alternative(render_to_string(f"{templates}_body.html", context), "text/html")
    try:
        message.send()
    except Exception as exc:  # noqa: BLE001 - any mail failure: log it, the caller reports it
        logger.warning("set-password email to user %s failed: %s", user.pk, type(exc).__name__)
        return False
    return True


# --- Changing one's email address ---------------------------------------------------------------


class AddressOfRecordBackend(AuthenticationBackend):
    """allauth's sign-in by email, by the account's own address (`User.email`) only.

    allauth would also take an address still waiting for verification (an email change in
    progress). That address becomes the sign-in when it is verified, which is when allauth makes
    it `User.email`.
    """

    def _authenticate_by_email(self, email: str, password: str):
        if not email:
            return None
        # Stored lower-case, but older or hand-made rows may not be.
        user = User.objects.filter(email__iexact=email.strip()).first()
        return self._check_password(user, password)


class OwnAddressResetPasswordForm(ResetPasswordForm):
    """allauth's "forgot your password?", for the account's own address only: a reset link to
    an address still waiting for verification would skip that verification."""

    def clean_email(self) -> str:
        email = super().clean_email()
        self.users = [user for user in self.users if user.email.lower() == email.lower()]
        return email


class ChangeEmailForm(AddEmailForm):
    """allauth's change-email form plus the current password: an unattended session is not
    enough to move the account (and its password resets) to another address."""

    password = PasswordField(label="Current password", autocomplete="current-password")

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your current password.")
        return password

    def save(self, request: HttpRequest) -> EmailAddress:
        old_email = self.user.email
        address = super().save(request)
        # The old address hears of it now, while it can still be stopped (allauth tells it
        # again when the new address is verified).
        get_adapter(request).send_notification_mail(
            "account/email/email_change_requested",
            self.user,
            {
                "from_email": old_email,
                "to_email": address.email,
                "email_url": request.build_absolute_uri(reverse("account_email")),
            },
            email=old_email,
        )
        return address


def account_verify_own_address(*, user: User) -> None:
    """The account's own address (`User.email`) counts as verified, and only it: an admin or
    manager typed it, and the person chose their password from a link sent to it.

    allauth's email-change page needs it so (it would take an unverified current address for a
    pending change and replace it, or let an unverified new one become primary, and so the
    sign-in, without its link). A verified row for any other address (one an admin replaced in
    the Django admin) goes: allauth treats verified addresses as the account's own (password
    resets, reauthentication codes). A pending (unverified) new address stays.
    """
    email = user.email
    with transaction.atomic():
        EmailAddress.objects.filter(user=user, verified=True).exclude(email__iexact=email).delete()
        # Only this account may hold its address verified (User.email is unique).
        EmailAddress.objects.filter(email__iexact=email, verified=True).exclude(user=user).delete()
        own = EmailAddress.objects.filter(user=user, email__iexact=email).first()
        if own is not None and own.verified and own.primary:
            return
        EmailAddress.objects.filter(user=user, primary=True).update(primary=False)
        if own is None:
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        else:
            own.verified = own.primary = True
            own.save(update_fields=["verified", "primary"])


@login_required
def email_page(request: HttpRequest) -> HttpResponse:
    """allauth's email page (`account_email`), once the own address is on record as verified."""
    account_verify_own_address(user=request.user)
    return allauth_email_view(request)


# --- Two-factor code fields: number pad and one-time-code autofill on phones ---------------------

CODE_ATTRS = {
    "inputmode": "numeric",
    "autocomplete": "one-time-code",
    "pattern": "[0-9]*",
    "placeholder": "6-digit code",
}


def _code_field(form: forms.Form) -> None:
    form.fields["code"].widget.attrs.update(CODE_ATTRS)


class CodeAuthenticateForm(AuthenticateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_field(self)


class CodeReauthenticateForm(ReauthenticateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_field(self)


class CodeActivateTOTPForm(ActivateTOTPForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_field(self)
