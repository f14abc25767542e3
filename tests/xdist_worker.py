"""Per-worker resources when the suite runs in parallel (`pytest -n 2`, pytest-xdist).

Loaded with `-p tests.xdist_worker` (pyproject's addopts), so it runs before pytest-django
imports the settings. In an xdist worker (PYTEST_XDIST_WORKER=gw0, gw1, ...) it gives the worker
its own:

- Redis database: REDIS_URL's database number plus 1 + the worker's number, so one worker's
  `cache.clear()`, rate-limit counters and Celery queues never meet another's;
- VAR_DIR (`<VAR_DIR>/gw0`): the SQLite test database, the filesystem broker's folders, the
  mail and SMS files.

Processes a test starts (Celery workers, gunicorn, beat) inherit the environment, so they follow.
The test database itself needs nothing here: pytest-django names it per worker (`test_..._gw0`).
Without xdist nothing changes.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def worker_number() -> int | None:
    """0 for gw0, 1 for gw1, ...; None outside an xdist worker."""
    found = re.fullmatch(r"gw(\d+)", WORKER)
    return int(found.group(1)) if found else None


def redis_url_for(url: str, number: int) -> str:
    """redis://host:port/N -> redis://host:port/(N + 1 + number), databases 0-15 kept in range."""
    found = re.fullmatch(r"(rediss?://[^/]*)(?:/(\d*))?(.*)", url)
    if not found:
        return url
    base, db, rest = found.group(1), found.group(2), found.group(3)
    return f"{base}/{(int(db or 0) + 1 + number) % 16}{rest}"


def _set_up() -> None:
    number = worker_number()
    if number is None:
        return
    if number >= 15:
        raise SystemExit("tests/xdist_worker.py: at most 15 workers (Redis has 16 databases)")
    if os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = redis_url_for(os.environ["REDIS_URL"], number)
    root = Path(__file__).resolve().parent.parent
    var = Path(os.environ.get("VAR_DIR") or root / "var") / WORKER
    var.mkdir(parents=True, exist_ok=True)
    os.environ["VAR_DIR"] = str(var)


_set_up()
