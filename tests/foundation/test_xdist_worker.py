"""`make test` runs the suite on pytest-xdist workers; each gets its own Redis database and var
folder (tests/xdist_worker.py), so one worker's cache.clear() or broker files never meet another's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.xdist_worker import redis_url_for

ROOT = Path(__file__).resolve().parents[2]


def test_each_worker_gets_the_next_redis_databases():
    assert redis_url_for("redis://127.0.0.1:6379/0", 0) == "redis://127.0.0.1:6379/1"
    assert redis_url_for("redis://127.0.0.1:6379/0", 1) == "redis://127.0.0.1:6379/2"
    assert redis_url_for("redis://127.0.0.1:6379", 0) == "redis://127.0.0.1:6379/1"
    assert redis_url_for("redis://:pw@redis:6379/3?x=1", 2) == "redis://:pw@redis:6379/6?x=1"
    assert redis_url_for("rediss://h/15", 0) == "rediss://h/0"


def _settings_in(worker: str, tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "DJANGO_SET"))}
    env |= {"REDIS_URL": "redis://127.0.0.1:6379/0", "VAR_DIR": str(tmp_path)}
    if worker:
        env["PYTEST_XDIST_WORKER"] = worker
    code = (
        "import tests.xdist_worker, os, json;"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'mentoring_site.settings';"
        "from django.conf import settings;"
        "print(json.dumps({'redis': settings.REDIS_URL, 'var': str(settings.VAR_DIR),"
        " 'mail': settings.EMAIL_FILE_PATH}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_settings_read_the_workers_own_redis_and_var(tmp_path):
    alone = _settings_in("", tmp_path)
    assert alone == {
        "redis": "redis://127.0.0.1:6379/0",
        "var": str(tmp_path),
        "mail": str(tmp_path / "mail"),
    }
    second = _settings_in("gw1", tmp_path)
    assert second == {
        "redis": "redis://127.0.0.1:6379/2",
        "var": str(tmp_path / "gw1"),
        "mail": str(tmp_path / "gw1" / "mail"),
    }


def test_the_pytest_script_loads_the_plugin_too():
    """README: `.venv/bin/pytest ...` works as well as `make test`; the script does not put the
    working directory on sys.path, so pyproject's `pythonpath` must (else `-p tests.xdist_worker`
    fails to import before any test runs)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    script = Path(sys.executable).with_name("pytest")
    out = subprocess.run(
        [str(script), "--collect-only", "-q", "-p", "no:cacheprovider", __file__],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "test_the_pytest_script_loads_the_plugin_too" in out.stdout
