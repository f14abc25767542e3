"""Is the background machinery alive? Heartbeats kept in the database and read by /healthz.

- worker: the heartbeat task records it. Beat sends that task every HEARTBEAT_INTERVAL_SECONDS and
  only a worker runs it, so a fresh "worker" row proves beat -> broker -> worker -> database works.
  A worker also records it the moment it is ready, so a restart shows at once.
- beat: beat records it each time it sends the overdue scan (every SCAN_INTERVAL_SECONDS) and when
  it starts, so a dead beat and a dead worker are told apart.

A row older than two intervals is "stale" and /healthz answers 503. A row that was never written
reads "starting" (200) while the web process is younger than two intervals, "missing" (503) after.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from celery.beat import PersistentScheduler
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from mentoring_site.models import ProcessHeartbeat

logger = logging.getLogger(__name__)

Process = ProcessHeartbeat.Process
SCAN_TASK = "activity_log.tasks.scan_overdue_task"
# Monotonic time this process (a web worker) loaded the module: the grace for "never seen".
WEB_STARTED = time.monotonic()


def heartbeat_record(*, process: str) -> None:
    """Stamps `process` as seen now (one UPDATE; an INSERT the very first time)."""
    now = timezone.now()
    if not ProcessHeartbeat.objects.filter(process=process).update(seen_at=now):
        ProcessHeartbeat.objects.get_or_create(process=process, defaults={"seen_at": now})


def heartbeat_record_safely(*, process: str) -> None:
    """For beat and worker start-up: a database hiccup is logged, never fatal to the process."""
    try:
        close_old_connections()
        heartbeat_record(process=process)
    except Exception as exc:  # noqa: BLE001 - liveness bookkeeping must not stop beat or a worker
        logger.warning("could not record the %s heartbeat: %s", process, type(exc).__name__)
    finally:
        # Beat and the worker's main process are long-lived: hold no idle connection between stamps.
        connection.close()


class LivenessScheduler(PersistentScheduler):
    """Celery's default scheduler, plus a "beat" stamp each time it sends the overdue scan."""

    def apply_entry(self, entry, producer=None):
        super().apply_entry(entry, producer=producer)
        if entry.task == SCAN_TASK:
            heartbeat_record_safely(process=Process.BEAT)


@dataclass(frozen=True)
class ProcessStatus:
    status: str  # ok, starting, stale or missing
    age_seconds: int | None


def stale_after(process: str) -> float:
    """Two intervals of the thing that stamps the row."""
    if process == Process.WORKER:
        return 2 * settings.HEARTBEAT_INTERVAL_SECONDS
    return 2 * settings.SCAN_INTERVAL_SECONDS


def background_status() -> dict[str, ProcessStatus]:
    """The worker's and beat's status, from one small query."""
    seen = dict(ProcessHeartbeat.objects.values_list("process", "seen_at"))
    now = timezone.now()
    web_age = time.monotonic() - WEB_STARTED
    report = {}
    for process in (Process.WORKER, Process.BEAT):
        limit = stale_after(process)
        if process not in seen:
            status = "starting" if web_age < limit else "missing"
            report[process.value] = ProcessStatus(status, None)
            continue
        age = max((now - seen[process]).total_seconds(), 0)
        report[process.value] = ProcessStatus("ok" if age <= limit else "stale", round(age))
    return report
