"""The catalogue check (README "Languages"): each language's catalogue (locale/<code>/LC_MESSAGES/
django.po, for every language in settings.LANGUAGES but English, the source language) holds every
string the code marks for translation, and only those, each translated and none fuzzy.

`make messages` runs the same makemessages command; here it runs into a copy of the sources, so
the check never writes to the working tree. makemessages needs GNU gettext (xgettext, msgmerge):
without it the check is skipped with that reason, except where REQUIRE_GETTEXT is set (CI), where
it fails instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import polib
import pytest
from django.conf import settings

from mentoring_site import lookup_names
from tests.conftest import ROOT

TRANSLATED = [code for code, _ in settings.LANGUAGES if code != "en"]


def catalogue(code: str):
    return ROOT / "locale" / code / "LC_MESSAGES" / "django.po"


# What the sources copy leaves out; the same as the Makefile's --ignore list, plus what is
# neither source nor template.
NOT_SOURCES = {
    ".venv", ".git", "var", "staticfiles", "bench", "tests", "test-artifacts", "node_modules",
    "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", "docs", "deploy", ".ci",
}  # fmt: skip


def _makefile_command() -> list[str]:
    """`make messages`' makemessages arguments, read from the Makefile (one source of truth)."""
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    line = re.search(r"^MAKEMESSAGES := manage\.py (.*)$", text, re.MULTILINE).group(1)
    return line.split()


def _require_gettext() -> None:
    missing = [
        tool for tool in ("xgettext", "msgmerge", "msguniq", "msgfmt") if not shutil.which(tool)
    ]
    if missing:
        reason = f"GNU gettext is not installed ({', '.join(missing)} missing: apt install gettext)"
        if os.environ.get("REQUIRE_GETTEXT"):
            pytest.fail(f"The catalogue check is required here but {reason}.")
        pytest.skip(f"Catalogue check skipped: {reason}.")


def _keys(po: polib.POFile) -> set[tuple[str | None, str]]:
    return {(entry.msgctxt, entry.msgid) for entry in po if not entry.obsolete}


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> dict[str, polib.POFile]:
    """The catalogue as `make messages` would leave it, made in a copy of the sources."""
    _require_gettext()
    copy = tmp_path_factory.mktemp("sources") / "site"
    shutil.copytree(
        ROOT,
        copy,
        ignore=lambda _dir, names: [n for n in names if n in NOT_SOURCES or n.endswith(".mo")],
        symlinks=False,
    )
    env = {
        **os.environ,
        "DEBUG": "true",
        "SECRET_KEY": "catalogue-check-only",
        "VAR_DIR": str(copy / "var"),
        "DATABASE_URL": f"sqlite:///{copy / 'unused.sqlite3'}",
    }
    languages = [arg for code in TRANSLATED for arg in ("-l", code)]
    result = subprocess.run(
        [sys.executable, "manage.py", *_makefile_command(), *languages],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return {
        code: polib.pofile(str(copy / "locale" / code / "LC_MESSAGES" / "django.po"))
        for code in TRANSLATED
    }


def test_every_language_but_english_has_a_catalogue():
    assert TRANSLATED == ["es"]
    assert [code for code in TRANSLATED if not catalogue(code).is_file()] == []


@pytest.mark.parametrize("code", TRANSLATED)
def test_makemessages_would_add_nothing_and_remove_nothing(regenerated, code):
    committed = polib.pofile(str(catalogue(code)))
    missing = sorted(_keys(regenerated[code]) - _keys(committed), key=str)
    unused = sorted(_keys(committed) - _keys(regenerated[code]), key=str)
    assert not missing, (
        f"Strings marked for translation but not in {catalogue(code).relative_to(ROOT)}: {missing}. "
        "Run `make messages` and translate them."
    )
    assert not unused, f"Catalogue entries no longer in the code: {unused}. Run `make messages`."


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_entry_is_translated_and_none_is_fuzzy(code):
    po = polib.pofile(str(catalogue(code)))
    assert not po.metadata_is_fuzzy, "The catalogue header is marked fuzzy."
    assert po.metadata.get("Language") == code
    untranslated = [e.msgid for e in po.untranslated_entries() if not e.obsolete]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    empty_plurals = [e.msgid for e in po if e.msgid_plural and not all(e.msgstr_plural.values())]
    assert not untranslated, f"Untranslated: {untranslated}"
    assert not fuzzy, f"Fuzzy (check the translation, then remove the fuzzy flag): {fuzzy}"
    assert not empty_plurals, f"Plural forms missing: {empty_plurals}"
    assert po.percent_translated() == 100


@pytest.mark.parametrize("code", TRANSLATED)
def test_placeholders_match_their_translation(code):
    """%(name)s and {name} in a message must appear in its translation (msgfmt --check does
    the same for python-format entries)."""
    pattern = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
    po = polib.pofile(str(catalogue(code)))
    wrong = []
    for entry in po:
        if entry.msgid_plural:
            # The singular may say "one" instead of the count: the plural forms are compared.
            pairs = [(entry.msgid_plural, text) for text in list(entry.msgstr_plural.values())[1:]]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for english, text in pairs:
            if sorted(pattern.findall(english)) != sorted(pattern.findall(text)):
                wrong.append(entry.msgid)
    assert not wrong, f"Placeholders differ from the English: {wrong}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_msgfmt_accepts_the_catalogue(code):
    _require_gettext()
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(catalogue(code))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("code", TRANSLATED)
def test_every_seeded_lookup_name_is_marked_and_translated(code):
    from activity_log.models import Topic
    from mentors.models import TrainingCourse
    from residents.models import Language, RecoveryPathway

    seeded = {
        *Language.objects.values_list("name", flat=True),
        *RecoveryPathway.objects.values_list("name", flat=True),
        *Topic.objects.values_list("name", flat=True),
        *TrainingCourse.objects.values_list("name", flat=True),
        *TrainingCourse.objects.exclude(description="").values_list("description", flat=True),
    }
    assert seeded, "the reference-data migrations seeded nothing"
    assert sorted(seeded - lookup_names.ALL) == []
    translated = {e.msgid for e in polib.pofile(str(catalogue(code))) if e.translated()}
    assert sorted(seeded - translated) == []
