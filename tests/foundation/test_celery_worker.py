"""A task sent through the real broker (filesystem locally, Redis in CI) runs in a real worker."""

import uuid

import pytest

from mentoring_site.tasks import record_marker
from tests.conftest import wait_for

pytestmark = pytest.mark.celery_worker


def test_a_real_worker_runs_a_task(celery_worker_process, tmp_path):
    marker = tmp_path / "ran.txt"
    token = uuid.uuid4().hex
    record_marker.apply_async(args=[str(marker), token], queue=celery_worker_process.queue)
    wait_for(lambda: marker.exists(), timeout=30)
    assert marker.read_text() == token


def test_heartbeat_task_is_scheduled(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert any(entry["task"] == "mentoring_site.tasks.heartbeat" for entry in schedule.values())
