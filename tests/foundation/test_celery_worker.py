"""A task sent through the real broker (filesystem locally, Redis in CI) runs in a real worker."""

import uuid

import pytest

from tests.celery_tasks import record_marker
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


def test_production_workers_register_no_test_task():
    """The worker the README starts (`celery -A mentoring_site worker`) loads CELERY_IMPORTS and
    the apps' tasks, never tests/celery_tasks.py."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "from mentoring_site.celery import app; app.loader.import_default_modules(); "
        "print('\\n'.join(sorted(app.tasks)))"
    )
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="mentoring_site.settings")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    names = result.stdout.split()
    assert "mentoring_site.tasks.heartbeat" in names
    # activity_log's tasks come from activity_log/tasks.py (autodiscovered), retention's included.
    assert {
        "activity_log.tasks.send_reminders",
        "activity_log.tasks.scan_overdue_task",
        "activity_log.retention.anonymise_due_residents_task",
        "activity_log.retention.audit_ips_forget_task",
        "activity_log.groups.tasks.extend_group_series_task",
        "activity_log.feedback.tasks.feedback_scan_task",
        "activity_log.tasks.mentor_away_task",
    } <= set(names)
    # Every task the beat schedules is registered in a worker.
    from django.conf import settings

    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= set(names)
    assert [name for name in names if "record_marker" in name or name.startswith("tests.")] == []
