"""Behind a reverse proxy, allauth's rate limits and the audit trail read the client IP the same
way, from one setting (TRUSTED_PROXY_COUNT): the address the nearest trusted proxy saw. What a
client writes into X-Forwarded-For itself neither dodges a limit nor lands in the trail."""

import os
import subprocess
import sys

import pytest
from allauth.account.adapter import get_adapter
from django.test import RequestFactory
from django.urls import reverse

from mentoring_site.audit import client_ip
from mentoring_site.models import AuditEvent
from tests import factories as f
from tests.conftest import ROOT
from tests.security.test_signin_admin import _login_limit_per_ip

pytestmark = pytest.mark.django_db

CLIENT = "203.0.113.7"  # what the proxy saw and appended
NEIGHBOUR = "203.0.113.8"  # another person behind the same proxy


@pytest.fixture(autouse=True)
def _one_trusted_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def _through_proxy(forged: str, real: str) -> dict:
    """Headers as the proxy passes them on: the client's own header, then the address it saw.
    REMOTE_ADDR is the proxy's."""
    return {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": f"{forged}, {real}"}


def test_a_forged_forwarded_for_does_not_dodge_the_login_rate_limit(client):
    login = reverse("account_login")
    for attempt in range(_login_limit_per_ip()):
        # A fresh forged address on every try.
        forged = f"198.51.{attempt // 250}.{attempt % 250 + 1}"
        response = client.post(
            login,
            {"login": "someone@example.org", "password": "x"},
            **_through_proxy(forged, CLIENT),
        )
        assert response.status_code == 200, attempt
    response = client.post(
        login,
        {"login": "someone@example.org", "password": "x"},
        **_through_proxy("1.1.1.1", CLIENT),
    )
    assert response.status_code == 429
    # Someone else behind the same proxy is not locked out: the limit is per client, not per proxy.
    response = client.post(
        login, {"login": "other@example.org", "password": "x"}, **_through_proxy(CLIENT, NEIGHBOUR)
    )
    assert response.status_code == 200


def test_the_audit_row_records_the_address_the_proxy_gave(client, manager, house):
    resident = f.ResidentFactory(house=house)
    client.force_login(manager)
    response = client.get(
        reverse("residents:detail", args=[resident.pk]), **_through_proxy("6.6.6.6", CLIENT)
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(user=manager, resident_id=resident.pk, action="view")
    assert event.ip == CLIENT


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6"}, "10.0.0.2"),
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7"}, CLIENT),
        (
            2,
            {"REMOTE_ADDR": "10.0.0.3", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7, 10.0.0.2"},
            CLIENT,
        ),
        # Fewer hops than proxies: the request did not come through them; the peer is the client.
        (2, {"REMOTE_ADDR": "10.0.0.3", "HTTP_X_FORWARDED_FOR": "6.6.6.6"}, "10.0.0.3"),
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "not-an-ip"}, None),
    ],
)
def test_rate_limits_and_the_trail_read_one_address(settings, proxies, meta, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", **meta)
    assert client_ip(request) == expected
    if expected:
        assert get_adapter(request).get_client_ip(request) == expected


def _settings_value(**env) -> str:
    clean = {k: v for k, v in os.environ.items() if "PROXIES" not in k and "PROXY" not in k}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.TRUSTED_PROXY_COUNT, s.ALLAUTH_TRUSTED_PROXY_COUNT)",
        ],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "mentoring_site.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_one_environment_variable_sets_it_for_both():
    assert _settings_value() == "0 0"
    assert _settings_value(TRUSTED_PROXY_COUNT="2") == "2 2"
    # The old name is still read when the new one is unset.
    assert _settings_value(AUDIT_TRUSTED_PROXIES="1") == "1 1"
