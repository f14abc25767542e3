"""The Makefile's targets exist: every `.PHONY` name has a rule, and `make bench` runs the page
benchmark that docs/performance.md describes."""

import re
import shutil
import subprocess

import pytest

from tests.conftest import ROOT


def test_every_phony_target_has_a_rule():
    makefile = (ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.MULTILINE).group(1).split()
    rules = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.MULTILINE))
    assert {"run", "test", "lock", "bench"} <= set(phony)
    assert [name for name in phony if name not in rules] == []


def test_make_bench_seeds_the_demo_once_and_runs_bench_pages():
    if shutil.which("make") is None:
        pytest.skip("make is not installed: the Makefile's commands cannot be listed")
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "bench", "ARGS=--runs 5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert ".venv/bin/python manage.py seed_demo --if-empty" in lines
    assert lines[-1] == ".venv/bin/python bench/bench_pages.py --runs 5"
