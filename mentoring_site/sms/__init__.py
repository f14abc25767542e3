"""Text messages (SMS): a backend chosen by the SMS_BACKEND setting, as Django's email backends are.

- `mentoring_site.sms.backends.FileBackend` (the default with DEBUG on): one file per message in
  SMS_FILE_PATH (`var/sms/`);
- `...ConsoleBackend`: prints each message to standard output;
- `...LocmemBackend`: keeps messages in `mentoring_site.sms.outbox` (tests);
- `...TwilioBackend` (production): Twilio's REST API through the `twilio` package, with
  TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER (or TWILIO_MESSAGING_SERVICE_SID).

`send_text(to, body)` sends one message and returns the provider's id for it; it raises on any
failure (the outbox records it and retries). Numbers are E.164 (`mentoring_site.sms.phone`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

# LocmemBackend appends here (like django.core.mail.outbox); tests empty it.
outbox: list[TextMessage] = []


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str


def get_backend(path: str | None = None):
    """An instance of the configured backend (or of `path`)."""
    return import_string(path or settings.SMS_BACKEND)()


def send_text(to: str, body: str) -> str:
    """Sends one text to an E.164 number through the configured backend; returns its id."""
    return get_backend().send(TextMessage(to=to, body=body))
