"""The installable, offline-capable mentor pages (README "On the phone").

- `service_worker` serves static/js/sw.js at /sw.js (a service worker controls only URLs under
  its own path, and the static URL is not above the mentor pages). In front of the file it puts
  CONFIG — the shell's static URLs (hashed in production), the allow-list of mentor pages the
  worker may cache, a version — and static/js/outbox.js, which the pages use too. The version
  is a hash of all of it, so the browser installs a new worker whenever any of it changes.
- `web_manifest` is the web app manifest (name, icons, start at My mentees).
- `logout` is allauth's sign-out, whose response tells the browser to clear the site's caches
  and storage (`Clear-Site-Data`); static/js/offline.js clears them itself before signing out.

Both files are public (a browser fetches the manifest without cookies) and show no data.

The worker speaks the request's language (the person's own choice when signed in, else the
browser's): its page for "offline, and not saved on this phone" is in CONFIG, so a change of
language changes the version and the browser installs the worker again. The manifest, fetched
without cookies, follows the phone's language (Accept-Language), as the phone's own labels do.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re

from allauth.account.views import logout as allauth_logout
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

# Cached at install and answered from the cache: what the mentor pages need to render.
SHELL = [
    "vendor/bootstrap/bootstrap.min.css",
    "css/site.css",
    "css/activity_log.css",
    "vendor/htmx/htmx.min.js",
    "js/site.js",
    "js/outbox.js",
    "js/offline.js",
    "js/log_form.js",
    "favicon.svg",
]
ICONS = [
    ("icons/icon-192.png", "192x192", "any"),
    ("icons/icon-512.png", "512x512", "any"),
    ("icons/maskable-512.png", "512x512", "maskable"),
]
CLEAR_SITE_DATA = '"cache", "storage"'


def mentor_page_patterns() -> list[str]:
    """The only pages the service worker caches (regular expressions on the path): the mentor's
    own pages, never a staff page."""
    placeholder = 987654321
    log_form = re.escape(reverse("activity_log:contact_new", args=[placeholder]))
    return [
        "^" + re.escape(reverse("activity_log:my_mentees")) + "$",
        "^" + log_form.replace(str(placeholder), r"\d+") + "$",
    ]


def _read_static(path: str) -> bytes:
    found = finders.find(path)
    if found:
        with open(found, "rb") as source:
            return source.read()
    with staticfiles_storage.open(path) as source:
        return source.read()


def worker_config() -> dict:
    return {
        "shell": [static(path) for path in SHELL],
        "outbox": static("js/outbox.js"),
        "pages": mentor_page_patterns(),
        "static": staticfiles_storage.base_url,
        "home": reverse("activity_log:my_mentees"),
        # The page for a mentor page not saved on this phone, in the active language; the words
        # are HTML-escaped here because sw.js puts them into markup.
        "offline": {
            "lang": translation.get_language(),
            "title": escape(gettext("Offline")),
            "text": escape(gettext("You are offline, and this page is not saved on this phone.")),
            "home": escape(gettext("My mentees")),
        },
    }


@functools.lru_cache(maxsize=8)  # one per language (settings.LANGUAGES)
def _worker_script(language: str) -> str:
    # Its comment lines stay in the source: the phone need not download them.
    source = "\n".join(
        line
        for line in _read_static("js/sw.js").decode().splitlines()
        if not line.lstrip().startswith("//")
    )
    with translation.override(language):
        config = worker_config()
    digest = hashlib.sha256(json.dumps(config).encode() + source.encode())
    for path in SHELL:
        digest.update(_read_static(path))
    config["version"] = digest.hexdigest()[:12]
    return f"const CONFIG = {json.dumps(config)};\n{source}"


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    if settings.DEBUG:
        _worker_script.cache_clear()  # pick up edits to the static files while developing
    script = _worker_script(translation.get_language())
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    # The browser checks for a new worker on each visit; the version changes with its content.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("activity_log:my_mentees")
    return response


@require_GET
def web_manifest(request: HttpRequest) -> JsonResponse:
    manifest = {
        "lang": translation.get_language(),
        "name": gettext("Peer Mentoring"),
        "short_name": gettext("Mentoring"),
        "description": gettext("Log contacts with your mentees, also without a connection."),
        "start_url": reverse("activity_log:my_mentees"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0d6efd",
        "icons": [
            {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in ICONS
        ],
    }
    response = JsonResponse(manifest, content_type="application/manifest+json")
    response["Cache-Control"] = "max-age=3600"
    return response


def logout(request: HttpRequest) -> HttpResponse:
    """allauth's sign-out; once signed out, the browser drops the site's caches and storage."""
    response = allauth_logout(request)
    if request.method == "POST" and not request.user.is_authenticated:
        response["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response
