"""Every HTML page carries the security headers (docs/privacy.md, "Security headers").

The walk covers every named URL that reverses without arguments (the site's own apps, allauth,
the Django admin) plus the object pages a manager and a mentor open (resident page, pairing page,
log form), requested anonymously, as a manager and as a mentor (both past the staff two-factor
gate, as the other privacy tests sign in), and as a program admin with Django admin access.
Redirects count too: a 302 to the sign-in page is an HTML response like any other.
"""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


def _named_patterns(patterns=None, namespace: str = "") -> list[str]:
    names: list[str] = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names += _named_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(f"{namespace}{entry.name}")
    return names


def _urls_without_arguments() -> list[str]:
    urls = set()
    for name in _named_patterns():
        try:
            urls.add(reverse(name))
        except NoReverseMatch:
            continue  # needs an id: the object pages below stand in for these
    return sorted(urls)


# Pages each signed-in role must actually see (200), so the walk checks real pages, not only
# the redirects to sign-in.
MUST_SEE = {
    "manager": ["residents:detail", "matching:detail", "activity_log:pairing_history"],
    "mentor": ["activity_log:contact_new", "activity_log:my_mentees"],
    "superuser": ["admin:residents_resident_change", "admin:index"],
}


@pytest.fixture
def world(house, manager, mentor):
    resident = f.ResidentFactory(house=house)
    pairing = f.PairingFactory(mentor=mentor, resident=resident)
    superuser = f.AdminUserFactory(is_staff=True, is_superuser=True)
    object_urls = {
        name: reverse(name, args=[obj.pk])
        for name, obj in [
            ("residents:detail", resident),
            ("residents:edit", resident),
            ("matching:detail", pairing),
            ("matching:resident_pairings", resident),
            ("activity_log:contact_new", pairing),
            ("activity_log:pairing_history", pairing),
            ("admin:residents_resident_change", resident),
        ]
    }
    return {
        "users": {
            "anonymous": None,
            "manager": manager,
            "mentor": mentor.user,
            "superuser": superuser,
        },
        "urls": _urls_without_arguments() + list(object_urls.values()),
        "must_see": {
            who: [object_urls.get(name) or reverse(name) for name in names]
            for who, names in MUST_SEE.items()
        },
    }


def _check(response, url: str) -> list[str]:
    problems = []
    csp = response.headers.get("Content-Security-Policy")
    if not csp:
        problems.append(f"{url}: no Content-Security-Policy")
    else:
        directives = {
            part.strip().split(" ", 1)[0]: part.strip() for part in csp.split(";") if part.strip()
        }
        script_src = directives.get("script-src") or directives.get("default-src", "")
        if not script_src:
            problems.append(f"{url}: CSP has neither script-src nor default-src")
        if "'unsafe-inline'" in script_src or "'unsafe-eval'" in script_src:
            problems.append(f"{url}: CSP script-src allows inline or eval: {script_src}")
    if response.headers.get("X-Frame-Options") != "DENY":
        problems.append(f"{url}: X-Frame-Options {response.headers.get('X-Frame-Options')!r}")
    if response.headers.get("Referrer-Policy") != "same-origin":
        problems.append(f"{url}: Referrer-Policy {response.headers.get('Referrer-Policy')!r}")
    return problems


@pytest.mark.parametrize("who", ["anonymous", "manager", "mentor", "superuser"])
def test_every_html_response_carries_the_security_headers(client, world, who):
    user = world["users"][who]
    problems: list[str] = []
    statuses: dict[str, int] = {}
    for url in world["urls"]:
        client.logout()
        if user is not None:
            # Fresh each time: a page such as sign-out must not end the walk for the rest.
            client.force_login(user)
        response = client.get(url)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue  # /healthz (JSON), CSV exports
        statuses[url] = response.status_code
        problems += _check(response, url)
    assert len(statuses) >= 20, f"only {len(statuses)} HTML responses: the walk found too few"
    for url in world["must_see"].get(who, []):
        assert statuses.get(url) == 200, f"{who} did not get {url}: {statuses.get(url)}"
    assert not problems, "\n".join(problems)


def test_the_policies_are_exactly_the_documented_ones(client):
    """docs/privacy.md "Security headers": the same directives and sources, whatever the order
    django-csp and django-permissions-policy write them in."""
    response = client.get(reverse("account_login"))
    csp = {
        part.split()[0]: set(part.split()[1:])
        for part in response.headers["Content-Security-Policy"].split(";")
    }
    assert csp == {
        "default-src": {"'self'"},
        "script-src": {"'self'"},
        "style-src": {"'self'"},
        "img-src": {"'self'", "data:"},
        "object-src": {"'none'"},
        "base-uri": {"'self'"},
        "frame-ancestors": {"'none'"},
        "form-action": {"'self'"},
    }
    features = {
        item.strip() for item in response.headers["Permissions-Policy"].split(",") if item.strip()
    }
    assert features == {"camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"}
