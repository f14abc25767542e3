"""Accounts are created by admins and managers, never by sign-up; each new person is emailed a
link to choose their own password.

- `AccountAdapter` closes allauth's sign-up.
- `set_password_url(user)` is allauth's reset-from-key link for that user.
- `account_send_set_password_email(user=...)` sends the invitation; `mentor_create` and the
  Django admin's add-user form both use it (mentors get their own wording).
"""

from __future__ import annotations

import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from mentoring_site.audit import client_ip
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
