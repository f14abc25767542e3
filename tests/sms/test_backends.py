"""The SMS backend is chosen by SMS_BACKEND, as Django's email backends are."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from twilio.base.exceptions import TwilioRestException

from mentoring_site import sms
from mentoring_site.sms import backends
from tests.conftest import ROOT
from tests.sms.stub_twilio import StubTwilio


def test_the_setting_picks_the_backend(settings):
    settings.SMS_BACKEND = "mentoring_site.sms.backends.ConsoleBackend"
    assert isinstance(sms.get_backend(), backends.ConsoleBackend)
    settings.SMS_BACKEND = "mentoring_site.sms.backends.FileBackend"
    assert isinstance(sms.get_backend(), backends.FileBackend)


def _setting_in_a_fresh_process(name: str, **env) -> str:
    code = (
        f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=dict(os.environ, DJANGO_SETTINGS_MODULE="mentoring_site.settings", **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_development_defaults_to_files_in_var_sms_and_production_to_twilio():
    assert (
        _setting_in_a_fresh_process("SMS_BACKEND", DEBUG="true", SMS_BACKEND="")
        == "mentoring_site.sms.backends.FileBackend"
    )
    assert _setting_in_a_fresh_process("SMS_FILE_PATH", VAR_DIR="/tmp/v", SMS_FILE_PATH="") == (
        "/tmp/v/sms"
    )
    assert (
        _setting_in_a_fresh_process(
            "SMS_BACKEND", DEBUG="false", SECRET_KEY="x" * 50, SMS_BACKEND=""
        )
        == "mentoring_site.sms.backends.TwilioBackend"
    )


def test_locmem_backend_keeps_the_message():
    sms.send_text("+15552013344", "hello")
    assert sms.outbox == [sms.TextMessage(to="+15552013344", body="hello")]


def test_file_backend_writes_one_file_per_message(settings, tmp_path):
    settings.SMS_BACKEND = "mentoring_site.sms.backends.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    sms.send_text("+15552013344", "first")
    sms.send_text("+15552013355", "second")
    files = sorted((tmp_path / "sms").iterdir())
    assert len(files) == 2
    texts = [path.read_text() for path in files]
    assert any("To: +15552013344" in t and t.rstrip().endswith("first") for t in texts)
    assert any("To: +15552013355" in t and t.rstrip().endswith("second") for t in texts)


def test_console_backend_prints(settings, capsys):
    settings.SMS_BACKEND = "mentoring_site.sms.backends.ConsoleBackend"
    sms.send_text("+15552013344", "on the console")
    out = capsys.readouterr().out
    assert "To: +15552013344" in out and "on the console" in out


@pytest.fixture
def twilio_settings(settings):
    settings.SMS_BACKEND = "mentoring_site.sms.backends.TwilioBackend"
    settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    settings.TWILIO_AUTH_TOKEN = "secret-token"
    settings.TWILIO_FROM_NUMBER = "+15550006666"
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    return settings


def test_twilio_backend_posts_the_message_to_the_api(twilio_settings):
    with StubTwilio() as stub:
        twilio_settings.TWILIO_API_URL = stub.url
        sid = sms.send_text("+15552013344", "Sam, 2 mentees are due: https://x.test/my/")
    assert sid == "SM" + "1".zfill(32)
    [request] = stub.requests
    assert request["path"] == f"/2010-04-01/Accounts/{'AC' + '1' * 32}/Messages.json"
    assert request["form"] == {
        "To": "+15552013344",
        "From": "+15550006666",
        "Body": "Sam, 2 mentees are due: https://x.test/my/",
    }
    user, _, password = (
        base64.b64decode(request["authorization"].split()[1]).decode().partition(":")
    )
    assert (user, password) == ("AC" + "1" * 32, "secret-token")


def test_twilio_backend_uses_a_messaging_service_when_set(twilio_settings):
    twilio_settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "2" * 32
    with StubTwilio() as stub:
        twilio_settings.TWILIO_API_URL = stub.url
        sms.send_text("+15552013344", "hi")
    assert stub.requests[0]["form"]["MessagingServiceSid"] == "MG" + "2" * 32
    assert "From" not in stub.requests[0]["form"]


def test_twilio_backend_raises_when_the_api_fails(twilio_settings):
    with StubTwilio(status=500) as stub:
        twilio_settings.TWILIO_API_URL = stub.url
        with pytest.raises(TwilioRestException):
            sms.send_text("+15552013344", "hi")
    assert len(stub.requests) == 1


def test_twilio_backend_without_credentials_says_what_is_missing(twilio_settings):
    twilio_settings.TWILIO_AUTH_TOKEN = ""
    with pytest.raises(ImproperlyConfigured, match="TWILIO_AUTH_TOKEN"):
        sms.get_backend()


def test_the_logging_setting_quiets_twilio(settings):
    assert settings.LOGGING["loggers"]["twilio"]["level"] == "WARNING"
