"""Fault 2: a Redis drop must never end the Celery worker.

A real worker (prefork, as in production, with gossip, mingle and heartbeats on) consumes from a
PRIVATE redis-server that is killed and started again while a late-acked task runs. Before the fix
(mentoring_site/celery.py BrokerDropSafeConsumer) the worker died within a few restarts with
"Unrecoverable error: AttributeError('NoneType' object has no attribute 'hostname')".
"""

from __future__ import annotations

import contextlib
import time
import uuid

import pytest

from mentoring_site.celery import app
from tests.celery_tasks import record_marker
from tests.conftest import use_broker, wait_for
from tests.private_redis import PrivateRedis, celery_env, require_redis_server, worker

pytestmark = pytest.mark.celery_worker

RESTARTS = 5


@pytest.fixture
def redis_server():
    require_redis_server()
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.stop()


def test_the_worker_survives_redis_restarts_and_runs_a_task_after_each(
    transactional_db, redis_server, tmp_path
):
    queue = f"drop-{uuid.uuid4().hex[:8]}"
    env = celery_env(queue, REDIS_URL=redis_server.url)
    proc = worker(env, tmp_path / "worker.log", "--concurrency", "2")
    proc.start()
    use_broker(app, redis_server.url, {"socket_timeout": 1, "socket_connect_timeout": 1})
    try:
        for attempt in range(RESTARTS):
            # A late-acked task is running when Redis goes away.
            record_marker.apply_async(
                args=[str(tmp_path / f"in-flight-{attempt}"), "x", 2], queue=queue
            )
            time.sleep(1)
            redis_server.restart(down_seconds=0.2)
            time.sleep(3)  # the task finishes and the worker reconnects
            assert proc.alive(), (
                f"worker died after restart {attempt + 1}:\n{proc.output()[-4000:]}"
            )

            # ... and it still takes new work (a lost connection pool is rebuilt on publish).
            marker = tmp_path / f"after-{attempt}"
            wait_for(
                lambda m=marker: m.exists() or _publish(m, queue),
                timeout=30,
                interval=2,
            )
        assert "Unrecoverable error" not in proc.output()
    finally:
        proc.stop()


def _publish(marker, queue) -> bool:
    """Sends the marker task (again: one sent while the worker was reconnecting may be lost)."""
    # Redis may still be coming back; the next poll resends.
    with contextlib.suppress(Exception):
        record_marker.apply_async(args=[str(marker), "x"], queue=queue, retry=False)
    time.sleep(1)
    return marker.exists()
