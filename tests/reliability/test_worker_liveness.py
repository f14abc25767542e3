"""Fault 2, seen from outside: /healthz tells when the worker or beat is gone.

A real worker and a real beat (subprocesses on a private queue, heartbeat and scan every 2 s)
run against the test database. Killing the worker turns /healthz to 503 "worker": "stale" within
two heartbeat intervals, beat staying "ok"; a restarted worker turns it back to 200 at once; a
killed beat shows as "beat": "stale".
"""

from __future__ import annotations

import time
import uuid

import pytest

from tests.conftest import wait_for
from tests.private_redis import beat, celery_env, worker

pytestmark = pytest.mark.celery_worker

INTERVAL = 2  # seconds, for the heartbeat and the scan alike
SLACK = 2.5  # polling, process start-up and a loaded CI machine


def health(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    return response.status_code, response.json()


def wait_for_health(client, predicate, timeout: float) -> float:
    """Seconds until /healthz satisfies predicate(status_code, body)."""
    started = time.monotonic()
    wait_for(lambda: predicate(*health(client)), timeout=timeout, interval=0.2)
    return time.monotonic() - started


def test_healthz_follows_the_worker_and_beat_dying_and_coming_back(
    transactional_db, client, settings, tmp_path
):
    settings.HEARTBEAT_INTERVAL_SECONDS = settings.SCAN_INTERVAL_SECONDS = INTERVAL
    env = celery_env(
        f"live-{uuid.uuid4().hex[:8]}",
        HEARTBEAT_INTERVAL_SECONDS=str(INTERVAL),
        SCAN_INTERVAL_SECONDS=str(INTERVAL),
        DASHBOARD_HEALTH_CACHE_SECONDS="0",
    )
    the_worker = worker(
        env, tmp_path / "worker.log", "--pool", "solo", "--without-gossip", "--without-mingle"
    )
    the_beat = beat(env, tmp_path / "beat.log", tmp_path / "schedule")
    try:
        the_worker.start()
        the_beat.start()
        wait_for_health(client, lambda code, body: code == 200 and body["worker"] == "ok", 30)

        # Survive a few heartbeats: the worker's stamp comes from the heartbeat task, not only
        # from start-up.
        time.sleep(3 * INTERVAL)
        code, body = health(client)
        assert (code, body["worker"], body["beat"]) == (200, "ok", "ok"), body
        assert body["seconds_since"]["worker"] <= INTERVAL + 1

        the_worker.kill()
        to_stale = wait_for_health(
            client, lambda code, body: code == 503 and body["worker"] == "stale", 4 * INTERVAL
        )
        assert to_stale <= 2 * INTERVAL + SLACK
        code, body = health(client)
        assert (body["database"], body["broker"], body["beat"]) == ("ok", "ok", "ok"), body

        restarted = time.monotonic()
        the_worker.start()
        wait_for_health(client, lambda code, body: code == 200, 30)
        back = time.monotonic() - restarted
        print(f"\nworker killed -> 503 in {to_stale:.1f} s; restarted -> 200 in {back:.1f} s")

        the_beat.kill()
        beat_stale = wait_for_health(
            client, lambda code, body: code == 503 and body["beat"] == "stale", 4 * INTERVAL
        )
        assert beat_stale <= 2 * INTERVAL + SLACK
        print(f"beat killed -> 503 (beat stale) in {beat_stale:.1f} s")
    finally:
        the_beat.stop()
        the_worker.stop()
