"""SMS backends (see mentoring_site/sms/__init__.py). Each has `send(message) -> str`."""

from __future__ import annotations

import datetime as dt
import sys
import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


class BaseBackend:
    def send(self, message) -> str:  # pragma: no cover - interface
        raise NotImplementedError


def _render(message, message_id: str) -> str:
    return (
        f"Message-ID: {message_id}\n"
        f"Date: {timezone.now().isoformat(timespec='seconds')}\n"
        f"To: {message.to}\n\n"
        f"{message.body}\n"
    )


class FileBackend(BaseBackend):
    """One `.txt` file per message in SMS_FILE_PATH (default `var/sms/`): development."""

    def send(self, message) -> str:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        message_id = uuid.uuid4().hex
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        (folder / f"{stamp}-{message_id[:12]}.txt").write_text(_render(message, message_id))
        return message_id


class ConsoleBackend(BaseBackend):
    """Writes each message to standard output."""

    _lock = threading.Lock()

    def send(self, message) -> str:
        message_id = uuid.uuid4().hex
        with self._lock:
            sys.stdout.write(_render(message, message_id) + "-" * 40 + "\n")
            sys.stdout.flush()
        return message_id


class LocmemBackend(BaseBackend):
    """Keeps messages in `mentoring_site.sms.outbox` (tests)."""

    def send(self, message) -> str:
        from mentoring_site import sms

        sms.outbox.append(message)
        return uuid.uuid4().hex


class TwilioBackend(BaseBackend):
    """Twilio's Programmable Messaging through its maintained client (`twilio` package).

    TWILIO_API_URL replaces `https://api.twilio.com` (tests point it at a local stub server);
    requests time out after SMS_TIMEOUT_SECONDS. Any error (network, 4xx/5xx from Twilio) is
    raised for the outbox to record and retry.
    """

    def __init__(self) -> None:
        if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
            raise ImproperlyConfigured(
                "SMS_BACKEND is the Twilio backend: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN."
            )
        if not (settings.TWILIO_FROM_NUMBER or settings.TWILIO_MESSAGING_SERVICE_SID):
            raise ImproperlyConfigured(
                "Set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID for the Twilio backend."
            )
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=TwilioHttpClient(timeout=settings.SMS_TIMEOUT_SECONDS),
        )
        if settings.TWILIO_API_URL:
            self.client.api.base_url = settings.TWILIO_API_URL.rstrip("/")

    def send(self, message) -> str:
        sender = (
            {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
            if settings.TWILIO_MESSAGING_SERVICE_SID
            else {"from_": settings.TWILIO_FROM_NUMBER}
        )
        sent = self.client.messages.create(to=message.to, body=message.body, **sender)
        return sent.sid
