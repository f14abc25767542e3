"""Run `manage.py` in a subprocess with the settings a production deployment has."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from tests.conftest import ROOT


def production_env(**overrides: str) -> dict[str, str]:
    """DEBUG off, a real random SECRET_KEY; `overrides` win (settings read "" as unset, and a
    variable set to "" here is not filled in from `.env`)."""
    env = dict(os.environ)
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_SETTINGS_MODULE="mentoring_site.settings",
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
