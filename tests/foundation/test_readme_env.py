"""Every environment variable the code reads has a row in the README's "Environment variables"
table: settings.py (through django-environ's `env(...)`, `env.int(...)` and the like, or
`os.environ.get`), the test fixtures and the CI script."""

import re

from tests.conftest import ROOT

READ = re.compile(r'(?:os\.environ\.get|env(?:\.\w+)?)\(\s*"([A-Z][A-Z0-9_]*)"')


def _readme_table() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Environment variables")
    return readme[start : readme.index("\n## ", start + 1)]


def _variables_read_by(path: str) -> set[str]:
    return set(READ.findall((ROOT / path).read_text()))


def test_every_variable_settings_reads_has_a_row():
    names = _variables_read_by("mentoring_site/settings.py")
    assert {"DATABASE_URL", "CACHE_KEY_PREFIX", "VAR_DIR"} <= names  # the pattern still matches
    table = _readme_table()
    assert sorted(n for n in names if f"`{n}`" not in table) == []


def test_the_test_and_ci_variables_have_rows():
    names = _variables_read_by("tests/conftest.py")
    assert {"CHROMIUM_PATH", "REQUIRE_BROWSER"} <= names
    names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):-", (ROOT / ".ci/run").read_text()))
    assert "PYTEST_ARGS" in names
    table = _readme_table()
    assert sorted(n for n in names if f"`{n}`" not in table) == []
