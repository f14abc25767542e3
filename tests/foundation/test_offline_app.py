"""The installable mentor pages (mentoring_site/offline.py): the service worker's script and
scope, the only pages it may cache, the web app manifest and its icons, the sign-out response
that clears the phone, and the base page that links them without inline script."""

import json
import re
import struct

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from mentoring_site import offline
from tests import factories as f
from tests.security import password_only_session

pytestmark = pytest.mark.django_db


def _config(script: str) -> dict:
    first_line = script.splitlines()[0]
    assert first_line.startswith("const CONFIG = ") and first_line.endswith(";")
    return json.loads(first_line.removeprefix("const CONFIG = ").removesuffix(";"))


def test_the_service_worker_is_served_above_the_mentor_pages_and_never_stale(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    # The widest scope it may take is the mentor's pages.
    assert response["Service-Worker-Allowed"] == reverse("activity_log:my_mentees") == "/my/"
    script = response.content.decode()
    assert 'addEventListener("fetch"' in script
    config = _config(script)
    assert config["outbox"] == "/static/js/outbox.js"
    assert "/static/js/log_form.js" in config["shell"]
    for url in config["shell"]:
        assert finders.find(url.removeprefix("/static/")), url
    assert re.fullmatch(r"[0-9a-f]{12}", config["version"])


def test_the_worker_version_changes_with_a_shell_file(client, monkeypatch):
    before = _config(client.get("/sw.js").content.decode())["version"]
    original = offline._read_static
    monkeypatch.setattr(
        offline,
        "_read_static",
        lambda path: original(path) + (b"/* edited */" if path == "js/site.js" else b""),
    )
    offline._worker_script.cache_clear()
    try:
        after = _config(client.get("/sw.js").content.decode())["version"]
    finally:
        monkeypatch.undo()
        offline._worker_script.cache_clear()
    assert after != before


@pytest.mark.parametrize(
    ("path", "cached"),
    [
        ("/my/", True),
        ("/my/pairings/7/log/", True),
        ("/my/pairings/123/log/", True),
        ("/my/progress/", False),
        ("/my/pairings/7/log/extra/", False),
        ("/dashboard/", False),
        ("/residents/7/", False),
        ("/pairings/7/contacts/", False),
        ("/contacts/7/saved/", False),
        ("/groups/", False),
        ("/admin/", False),
        ("/x/my/", False),
    ],
)
def test_only_the_mentor_pages_are_on_the_cache_allow_list(client, path, cached):
    patterns = _config(client.get("/sw.js").content.decode())["pages"]
    assert patterns == offline.mentor_page_patterns()
    assert any(re.search(p, path) for p in patterns) is cached


def test_staff_before_their_second_factor_still_get_the_worker_and_manifest(client, manager):
    password_only_session(client, manager)
    assert client.get(reverse("activity_log:dashboard")).status_code == 302  # the gate is on
    assert client.get("/sw.js").status_code == 200
    assert client.get("/manifest.webmanifest").status_code == 200


def test_the_worker_speaks_the_persons_language_and_changes_version_with_it(client, mentor):
    mentor.user.preferred_language = "es"
    mentor.user.save(update_fields=["preferred_language"])
    english = _config(client.get("/sw.js").content.decode())
    client.force_login(mentor.user, backend="django.contrib.auth.backends.ModelBackend")
    spanish = _config(client.get("/sw.js").content.decode())
    assert english["offline"] == {
        "lang": "en",
        "title": "Offline",
        "text": "You are offline, and this page is not saved on this phone.",
        "home": "My mentees",
    }
    assert spanish["offline"]["lang"] == "es"
    assert spanish["offline"]["home"] == "Mis mentorados"
    assert "Sin conexión" in spanish["offline"]["title"]
    assert "no está guardada en este teléfono" in spanish["offline"]["text"]
    # Another script, so a phone whose person changes language installs the worker again.
    assert spanish["version"] != english["version"]
    # Signed out, the browser's language decides.
    client.logout()
    accepted = client.get("/sw.js", headers={"accept-language": "es"}).content.decode()
    assert _config(accepted)["offline"]["lang"] == "es"


def test_the_offline_words_are_escaped_for_the_markup_sw_js_builds(monkeypatch):
    monkeypatch.setattr(offline, "gettext", lambda text: "<b>Tom & Jerry's</b>")
    words = offline.worker_config()["offline"]
    assert words["title"] == "&lt;b&gt;Tom &amp; Jerry&#x27;s&lt;/b&gt;"


def test_the_manifest_speaks_the_phones_language(client):
    english = json.loads(client.get("/manifest.webmanifest").content)
    spanish = json.loads(
        client.get("/manifest.webmanifest", headers={"accept-language": "es"}).content
    )
    assert (english["lang"], english["name"]) == ("en", "Peer Mentoring")
    assert (spanish["lang"], spanish["name"]) == ("es", "Mentoría entre Pares")
    assert spanish["description"] != english["description"]
    # The browser keeps it an hour: one copy per language and person.
    response = client.get("/manifest.webmanifest")
    assert "Accept-Language" in response["Vary"]


def _png_size(path: str) -> tuple[int, int]:
    with open(finders.find(path), "rb") as png:
        head = png.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_the_manifest_makes_the_mentor_pages_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/my/"
    assert manifest["display"] == "standalone"
    assert manifest["name"] and manifest["short_name"]
    purposes = set()
    for icon in manifest["icons"]:
        width, height = _png_size(icon["src"].removeprefix("/static/"))
        assert icon["sizes"] == f"{width}x{height}" and icon["type"] == "image/png"
        purposes.add((icon["purpose"], width))
    assert {("any", 192), ("any", 512), ("maskable", 512)} <= purposes


def test_signing_out_tells_the_browser_to_clear_the_site(client, mentor):
    client.force_login(mentor.user, backend="django.contrib.auth.backends.ModelBackend")
    asked = client.get(reverse("account_logout"))  # the "are you sure" page clears nothing
    assert asked.status_code == 200
    assert "Clear-Site-Data" not in asked
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert "_auth_user_id" not in client.session


def test_the_base_page_links_the_manifest_and_the_offline_script(client, mentor):
    client.force_login(mentor.user, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(reverse("activity_log:my_mentees")).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    tag = re.search(r'<script src="/static/js/offline.js"[^>]*>', html).group(0)
    assert f'data-user="{mentor.user.pk}"' in tag
    assert 'data-sw="/sw.js"' in tag and 'data-scope="/my/"' in tag
    assert 'data-logout="/accounts/logout/"' in tag
    assert html.index("js/outbox.js") < html.index("js/offline.js")
    # No inline script anywhere (the CSP forbids it): every <script> has a src.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []


def test_a_signed_out_page_names_no_user_to_the_offline_script(client):
    html = client.get(reverse("account_login")).content.decode()
    assert 'data-user=""' in html


def test_staff_pages_also_load_the_script_but_are_never_on_the_allow_list(client):
    manager = f.ManagerUserFactory()
    client.force_login(manager, backend="django.contrib.auth.backends.ModelBackend")
    dashboard = reverse("activity_log:dashboard")
    assert client.get(dashboard).status_code == 200
    assert not any(re.search(p, dashboard) for p in offline.mentor_page_patterns())


def test_every_static_file_the_cached_pages_link_is_in_the_shell(client, mentor, house):
    """A stylesheet or script added to the base page must be cached too, or the offline pages
    lose it."""
    pairing = f.PairingFactory(mentor=mentor, resident=f.ResidentFactory(house=house))
    # Icons are fetched when the app is installed, not to draw the page.
    allowed = set(offline.SHELL) | {path for path, _size, _purpose in offline.ICONS}
    client.force_login(mentor.user, backend="django.contrib.auth.backends.ModelBackend")
    for url in [
        reverse("activity_log:my_mentees"),
        reverse("activity_log:contact_new", args=[pairing.pk]),
    ]:
        html = client.get(url).content.decode()
        linked = set(re.findall(r'(?:href|src)="/static/([^"]+)"', html))
        assert linked, url
        assert linked <= allowed, f"{url}: not in the shell {linked - allowed}"
