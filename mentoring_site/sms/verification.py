"""Choosing email/text and proving a phone by a 6-digit code.

The code is sent at once (not through the outbox: it is wanted now, and is worthless later).
Only an HMAC of it is stored, bound to the user and the number; it works for CODE_TTL, for at
most MAX_ATTEMPTS wrong tries, and a new one can be asked for every RESEND_AFTER.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from mentoring_site import sms
from mentoring_site.i18n import override_for
from mentoring_site.models import TextPreference, User
from mentoring_site.sms.phone import masked
from mentoring_site.sms.preferences import is_opted_out

logger = logging.getLogger(__name__)

CODE_TTL = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_AFTER = dt.timedelta(seconds=60)


__all__ = ["code_check", "code_send", "is_opted_out", "preference_for", "preference_update"]


def preference_for(user: User) -> TextPreference:
    preference, _ = TextPreference.objects.get_or_create(user=user)
    return preference


def _code_hash(user_id: int, phone: str, code: str) -> str:
    message = f"sms-verify:{user_id}:{phone}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def preference_update(*, user: User, channel: str, phone: str) -> TextPreference:
    """Saves the choice; a new number is unverified until its code is typed."""
    with transaction.atomic():
        preference = TextPreference.objects.select_for_update().get(pk=preference_for(user).pk)
        if phone != preference.phone:
            preference.phone = phone
            preference.phone_verified_at = None
            preference.code_hash = ""
            preference.code_sent_at = preference.code_expires_at = None
            preference.code_attempts = 0
        preference.channel = channel
        preference.save()
    return preference


@dataclass
class Throttled(Exception):
    seconds: int


def code_send(*, user: User, now: dt.datetime | None = None) -> TextPreference:
    """Texts a new code to the person's number (any earlier code stops working).

    Raises Throttled when the last code went less than RESEND_AFTER ago, ValidationError when
    there is no number or it replied STOP; a failing backend raises its own error.
    """
    now = now or timezone.now()
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        preference = TextPreference.objects.select_for_update().get(pk=preference_for(user).pk)
        if not preference.phone:
            raise ValidationError(gettext("Add your phone number first."))
        if is_opted_out(preference.phone):
            raise ValidationError(
                gettext(
                    "This number replied STOP, so we cannot text it. Text START to us to turn "
                    "texts back on, then ask for a code."
                )
            )
        if preference.code_sent_at and now - preference.code_sent_at < RESEND_AFTER:
            wait = RESEND_AFTER - (now - preference.code_sent_at)
            raise Throttled(seconds=max(int(wait.total_seconds()), 1))
        preference.code_hash = _code_hash(user.pk, preference.phone, code)
        preference.code_sent_at = now
        preference.code_expires_at = now + CODE_TTL
        preference.code_attempts = 0
        preference.save(
            update_fields=["code_hash", "code_sent_at", "code_expires_at", "code_attempts"]
        )
        phone = preference.phone
    minutes = int(CODE_TTL.total_seconds() // 60)
    with override_for(user):
        text = gettext("Peer Mentoring: your code is %(code)s. It works for %(minutes)s minutes.")
    sms.send_text(phone, text % {"code": code, "minutes": minutes})
    logger.info("verification code sent to user %s (%s)", user.pk, masked(phone))
    return preference


def code_check(*, user: User, code: str, now: dt.datetime | None = None) -> TextPreference:
    """Marks the number verified when `code` is right; ValidationError (saying why) otherwise."""
    now = now or timezone.now()
    code = "".join(code.split())
    with transaction.atomic():
        preference = TextPreference.objects.select_for_update().get(pk=preference_for(user).pk)
        if not preference.code_hash:
            raise ValidationError(gettext("Ask for a code first."), code="no_code")
        if preference.code_expires_at is None or preference.code_expires_at <= now:
            raise ValidationError(
                gettext("That code has expired: ask for a new one."), code="expired"
            )
        if preference.code_attempts >= MAX_ATTEMPTS:
            raise ValidationError(
                gettext("Too many wrong codes: ask for a new one."), code="too_many_attempts"
            )
        expected = _code_hash(user.pk, preference.phone, code)
        if not hmac.compare_digest(expected, preference.code_hash):
            preference.code_attempts += 1
            preference.save(update_fields=["code_attempts"])
            left = MAX_ATTEMPTS - preference.code_attempts
            if left <= 0:
                message = gettext(
                    "That code is not right, and that was the last try: ask for a new one."
                )
            else:
                message = ngettext(
                    "That code is not right: %(left)d try left.",
                    "That code is not right: %(left)d tries left.",
                    left,
                ) % {"left": left}
            # Committed with the count (the atomic block ends normally); the caller shows it.
            error = ValidationError(message, code="wrong")
        else:
            preference.phone_verified_at = now
            preference.code_hash = ""
            preference.code_expires_at = None
            preference.code_attempts = 0
            preference.save(
                update_fields=["phone_verified_at", "code_hash", "code_expires_at", "code_attempts"]
            )
            error = None
    if error is not None:
        raise error
    return preference
