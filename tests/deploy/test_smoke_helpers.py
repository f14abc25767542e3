"""The production smoke test's own helpers (.ci/production_smoke.py) do what it relies on: its TOTP
codes are the ones allauth accepts, and its SMTP sink takes mail from Django's SMTP backend."""

from __future__ import annotations

import importlib.util
import threading
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.mail import EmailMessage, get_connection

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def smoke():
    spec = importlib.util.spec_from_file_location(
        "production_smoke", ROOT / ".ci/production_smoke.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_its_totp_code_is_allauths(smoke):
    code = smoke.totp_code(smoke.TOTP_SECRET)
    assert code == format_hotp_value(hotp_value(smoke.TOTP_SECRET, int(time.time()) // 30))


def test_its_smtp_sink_stores_what_djangos_smtp_backend_sends(smoke, tmp_path):
    server = smoke._SMTPSink(0, tmp_path)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            host="127.0.0.1",
            port=server.server_address[1],
            timeout=10,
        )
        messages = [
            EmailMessage("Urgent: a mentor is worried", ".leading dot\nbody", to=["m@example.org"]),
            EmailMessage("Time to check in", "body", to=["a@example.org", "b@example.org"]),
        ]
        assert connection.send_messages(messages) == 2
    finally:
        server.shutdown()
        server.server_close()
    mail = smoke.read_mail(tmp_path)
    assert [(m["kind"], m["to"]) for m in mail] == [
        ("urgent alert", "m@example.org"),
        ("reminder", "a@example.org, b@example.org"),
    ]
    assert ".leading dot" in sorted(tmp_path.glob("*.eml"))[0].read_text().splitlines()
