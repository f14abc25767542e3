"""`collectstatic` with production settings (whitenoise's strict manifest storage) passes, and a page
served from its output links only static files that answer 200.

Before: the vendored Bootstrap files named source maps that were not vendored, so collectstatic
failed with whitenoise.storage.MissingFileError and, without a manifest, every page answered 500.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import ROOT
from tests.deploy.support import manage, production_env

# whitenoise's CompressedManifestStaticFilesStorage, URLs kept per process.
PRODUCTION_STORAGE = "mentoring_site.staticfiles.StaticFilesStorage"
STATIC_TAG = re.compile(r"""{%\s*static\s+['"]([^'"]+)['"]\s*%}""")
STATIC_LINK = re.compile(r"""(?:href|src)="(/static/[^"]+)\"""")
SOURCE_MAP = re.compile(r"sourceMappingURL=(\S+?)(?:\s*\*/)?\s*$", re.MULTILINE)


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("staticfiles")
    result = manage(
        "collectstatic", "--noinput", env=production_env(STATIC_ROOT=str(root)), timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def test_production_settings_use_the_strict_manifest_storage():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; from django.contrib.staticfiles.storage import "
        "staticfiles_storage as s; print(settings.STORAGES['staticfiles']['BACKEND'], "
        "s.manifest_strict, isinstance(s._wrapped, __import__('whitenoise.storage').storage."
        "CompressedManifestStaticFilesStorage))",
        env=production_env(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [PRODUCTION_STORAGE, "True", "True"]


def test_collectstatic_passes_and_writes_the_manifest(static_root):
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    for name in ("vendor/bootstrap/bootstrap.min.css", "vendor/bootstrap/bootstrap.bundle.min.js"):
        assert name in manifest
        assert (static_root / manifest[name]).is_file()
        assert (static_root / f"{manifest[name]}.gz").is_file()


def test_every_static_file_a_template_names_is_in_the_manifest(static_root):
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    named = {
        name
        for template in (ROOT / "templates").rglob("*.html")
        for name in STATIC_TAG.findall(template.read_text())
    }
    assert "vendor/bootstrap/bootstrap.min.css" in named  # the pattern still matches
    assert sorted(named - manifest.keys()) == []


def test_no_static_file_names_a_source_map_that_is_not_there():
    missing = [
        f"{path.relative_to(ROOT)} -> {target}"
        for path in (ROOT / "static").rglob("*")
        if path.suffix in {".js", ".css"}
        for target in SOURCE_MAP.findall(path.read_text(errors="replace"))
        if not (path.parent / target).is_file()
    ]
    assert missing == []


@pytest.mark.django_db
def test_the_sign_in_page_and_its_static_files_answer_200_from_the_manifest(
    static_root, client, settings
):
    settings.DEBUG = False
    settings.STATIC_ROOT = static_root
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}}
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False

    page = client.get("/accounts/login/", secure=True)
    assert page.status_code == 200
    links = set(STATIC_LINK.findall(page.content.decode()))
    assert any(re.search(r"/bootstrap\.min\.[0-9a-f]{12}\.css$", link) for link in links), links
    statuses = {link: client.get(link, secure=True).status_code for link in sorted(links)}
    assert statuses == dict.fromkeys(sorted(links), 200)


@pytest.mark.django_db
def test_the_service_worker_shell_and_the_manifest_icons_answer_200_from_the_manifest(
    static_root, client, settings
):
    """The service worker precaches the hashed static URLs: one missing would fail its install."""
    from mentoring_site import offline

    settings.DEBUG = False
    settings.STATIC_ROOT = static_root
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}}
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    offline._worker_script.cache_clear()
    try:
        script = client.get("/sw.js", secure=True).content.decode()
        manifest = client.get("/manifest.webmanifest", secure=True).json()
    finally:
        offline._worker_script.cache_clear()
    config = json.loads(script.splitlines()[0].removeprefix("const CONFIG = ").rstrip(";"))
    links = {*config["shell"], config["outbox"], *(icon["src"] for icon in manifest["icons"])}
    assert all(re.search(r"\.[0-9a-f]{12}\.\w+$", link) for link in links), links
    statuses = {link: client.get(link, secure=True).status_code for link in sorted(links)}
    assert statuses == dict.fromkeys(sorted(links), 200)


def test_the_storage_works_out_each_url_once_and_still_refuses_unknown_names(
    static_root, settings, monkeypatch
):
    """Every page asks for the same static URLs: the manifest lookup runs once per name."""
    from whitenoise.storage import CompressedManifestStaticFilesStorage

    from mentoring_site.staticfiles import StaticFilesStorage

    settings.DEBUG = False
    storage = StaticFilesStorage(location=static_root)
    looked_up = []
    original = CompressedManifestStaticFilesStorage.stored_name

    def stored_name(self, name):
        looked_up.append(name)
        return original(self, name)

    monkeypatch.setattr(CompressedManifestStaticFilesStorage, "stored_name", stored_name)
    first = storage.url("css/site.css")
    assert re.search(r"/static/css/site\.[0-9a-f]{12}\.css$", first), first
    assert storage.url("css/site.css") == first
    assert looked_up == ["css/site.css"]
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/not-there.css")
