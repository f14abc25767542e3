"""/healthz: database, broker, worker and beat; 503 naming whatever is not running.

The worker and beat checks read heartbeat rows (mentoring_site/liveness.py); a real worker
being killed and restarted is tests/reliability/test_worker_liveness.py.
"""

import datetime as dt
import time

import pytest
from django.db import OperationalError
from django.utils import timezone

from mentoring_site import liveness
from mentoring_site.models import ProcessHeartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _web_up_for_an_hour(monkeypatch, settings):
    """Past the "starting" grace unless a test says otherwise; known intervals."""
    monkeypatch.setattr(liveness, "WEB_STARTED", time.monotonic() - 3600)
    settings.HEARTBEAT_INTERVAL_SECONDS = 30
    settings.SCAN_INTERVAL_SECONDS = 60


def beats(*, worker_ago: float | None = 5, beat_ago: float | None = 5) -> None:
    now = timezone.now()
    for process, ago in (("worker", worker_ago), ("beat", beat_ago)):
        if ago is not None:
            ProcessHeartbeat.objects.update_or_create(
                process=process, defaults={"seen_at": now - dt.timedelta(seconds=ago)}
            )


def test_it_reports_ok(client):
    beats()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("database", "broker", "worker", "beat")} == {
        "database": "ok",
        "broker": "ok",
        "worker": "ok",
        "beat": "ok",
    }
    assert all(5 <= body["seconds_since"][name] < 30 for name in ("worker", "beat"))


def test_a_worker_heartbeat_two_intervals_old_is_stale(client):
    beats(worker_ago=61)  # two 30 s intervals and a second
    response = client.get("/healthz")
    assert response.status_code == 503
    assert (response.json()["worker"], response.json()["beat"]) == ("stale", "ok")
    assert response.json()["seconds_since"]["worker"] >= 61


def test_a_worker_heartbeat_within_two_intervals_is_ok(client):
    beats(worker_ago=50)
    assert client.get("/healthz").status_code == 200


def test_beat_is_stale_after_two_scan_intervals(client):
    beats(beat_ago=121)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert (response.json()["worker"], response.json()["beat"]) == ("ok", "stale")


def test_a_fresh_install_reads_starting_then_missing(client, monkeypatch):
    monkeypatch.setattr(liveness, "WEB_STARTED", time.monotonic())
    starting = client.get("/healthz")
    assert starting.status_code == 200
    assert (starting.json()["worker"], starting.json()["beat"]) == ("starting", "starting")
    assert starting.json()["seconds_since"] == {"worker": None, "beat": None}

    monkeypatch.setattr(liveness, "WEB_STARTED", time.monotonic() - 61)
    worker_missing = client.get("/healthz")
    assert worker_missing.status_code == 503
    assert (worker_missing.json()["worker"], worker_missing.json()["beat"]) == (
        "missing",
        "starting",
    )


def test_the_heartbeat_task_stamps_the_worker(settings):
    from mentoring_site.tasks import heartbeat

    heartbeat.apply()
    first = ProcessHeartbeat.objects.get(process="worker").seen_at
    assert timezone.now() - first < dt.timedelta(seconds=5)
    heartbeat.apply()
    assert ProcessHeartbeat.objects.get(process="worker").seen_at >= first
    assert ProcessHeartbeat.objects.count() == 1


def test_beat_stamps_itself_when_it_sends_the_scan(transactional_db, tmp_path):
    # transactional: beat closes its database connection after each stamp, as in production.
    from celery.beat import ScheduleEntry

    from mentoring_site.celery import app

    scheduler = liveness.LivenessScheduler(
        app=app, schedule_filename=str(tmp_path / "schedule"), lazy=True
    )
    sent = []
    scheduler.apply_async = lambda entry, producer=None, advance=True, **kw: sent.append(entry.task)
    heartbeat_entry = ScheduleEntry(name="h", task="mentoring_site.tasks.heartbeat", app=app)
    scheduler.apply_entry(heartbeat_entry)
    assert not ProcessHeartbeat.objects.filter(process="beat").exists()
    scan_entry = ScheduleEntry(name="s", task=liveness.SCAN_TASK, app=app)
    scheduler.apply_entry(scan_entry)
    assert sent == ["mentoring_site.tasks.heartbeat", liveness.SCAN_TASK]
    assert ProcessHeartbeat.objects.filter(process="beat").exists()


def test_the_scan_is_the_task_beat_stamps_on(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert liveness.SCAN_TASK in tasks
    assert settings.CELERY_BEAT_SCHEDULER == "mentoring_site.liveness:LivenessScheduler"


def test_it_reports_the_broker_down(client, settings):
    from mentoring_site.celery import app
    from tests.conftest import use_broker

    beats()
    use_broker(app, "redis://127.0.0.1:1/0", {})  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert (response.json()["database"], response.json()["broker"]) == ("ok", "down")


class _UnreachableDatabase:
    def cursor(self):
        raise OperationalError("could not connect to server")


def test_it_reports_the_database_down(client, monkeypatch, caplog):
    beats()
    # Only the view's own checks lose the database; sessions and middleware keep theirs.
    monkeypatch.setattr("mentoring_site.views.connection", _UnreachableDatabase())
    monkeypatch.setattr(
        liveness.ProcessHeartbeat.objects,
        "values_list",
        lambda *a, **k: (_ for _ in ()).throw(OperationalError("could not connect")),
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert {k: body[k] for k in ("database", "broker", "worker", "beat")} == {
        "database": "down",
        "broker": "ok",
        "worker": "unknown",
        "beat": "unknown",
    }
    # The log names the failure's type only, never the connection details.
    assert "healthz: database check failed: OperationalError" in caplog.text
    assert "could not connect" not in caplog.text


def test_it_rejects_post(client):
    assert client.post("/healthz").status_code == 405
