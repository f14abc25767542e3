"""A TOTP code for tests, computed the way an authenticator app does."""

import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value


def totp_code(secret: str) -> str:
    """The current code; near the end of a period, waits for the next one so the server
    (which accepts only the current period) does not see it expire in between."""
    period = app_settings.TOTP_PERIOD
    remaining = period - time.time() % period
    if remaining < 5:
        time.sleep(remaining + 0.2)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))
