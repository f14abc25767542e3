"""Test-only Celery tasks. Production workers never import this module; the test fixtures start
their workers with `--include tests.celery_tasks` (tests/conftest.py `TEST_TASKS`)."""

import time

from celery import shared_task


@shared_task(ignore_result=True)
def record_marker(path: str, text: str, wait_seconds: float = 0) -> None:
    """Writes text to a file: lets tests see that a real worker ran a task.

    wait_seconds keeps the task running first, so a test can drop the broker mid-task.
    """
    if wait_seconds:
        time.sleep(wait_seconds)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
