"""enqueue(): the one way a request hands work to Celery. Bounded, never raising, and a stuck
broker costs one timeout per process, not one per request."""

from __future__ import annotations

import threading
import time

import pytest
from celery import shared_task
from kombu import pools

from mentoring_site import tasks
from mentoring_site.tasks import enqueue
from tests.conftest import ROOT


@shared_task(name="tests.reliability.noop")
def noop() -> None:
    pass


@pytest.fixture(autouse=True)
def _short_timeout(settings):
    settings.REDIS_TIMEOUT_SECONDS = 0.5


@pytest.fixture(autouse=True)
def _fresh_producer_pools():
    """conftest's use_broker closes the app's pool between tests; kombu's global producer pools
    (used from the publishing thread) would still hand out producers bound to it."""
    pools.reset()
    yield
    pools.reset()


@pytest.fixture
def stuck_broker(monkeypatch):
    """apply_async blocks until released, as a publish to a frozen Redis does."""
    release = threading.Event()
    calls = []

    def apply_async(*args, **kwargs):
        calls.append(kwargs)
        release.wait(10)

    monkeypatch.setattr(noop, "apply_async", apply_async)
    yield calls
    release.set()
    tasks._in_flight.result(timeout=10)


def test_it_sends_the_task():
    assert enqueue(noop) is True


def test_a_stuck_broker_holds_the_caller_no_longer_than_the_timeout(stuck_broker):
    started = time.monotonic()
    assert enqueue(noop) is False
    assert 0.4 < time.monotonic() - started < 1.5
    assert len(stuck_broker) == 1


def test_while_a_publish_is_stuck_later_ones_are_skipped_at_once(stuck_broker):
    enqueue(noop)
    started = time.monotonic()
    assert enqueue(noop) is False
    assert time.monotonic() - started < 0.1
    assert len(stuck_broker) == 1


def test_a_broker_error_is_logged_not_raised(monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("nobody listens")

    monkeypatch.setattr(noop, "apply_async", refuse)
    assert enqueue(noop) is False
    assert "could not enqueue tests.reliability.noop (ConnectionRefusedError)" in caplog.text
    monkeypatch.undo()
    assert enqueue(noop) is True  # nothing stays stuck after a quick failure


def test_the_urgent_alert_and_the_scan_enqueue_through_it(monkeypatch):
    from activity_log.contacts import alerts
    from activity_log.reminders.send import enqueue_send

    sent = []
    monkeypatch.setattr(
        "activity_log.reminders.send.enqueue", lambda task: sent.append(task.name) or True
    )
    assert alerts.enqueue_send is enqueue_send
    assert enqueue_send() is True
    assert sent == ["activity_log.tasks.send_reminders"]


# Beat warming the dashboard figures when beat starts: not a request, no outbox row behind it.
ALLOWED_DIRECT_SENDS = {("activity_log/tasks.py", "warm_dashboard_health.delay()")}


def test_no_request_code_sends_a_task_but_through_enqueue():
    """Every .delay( / .apply_async( in the apps goes through mentoring_site.tasks.enqueue."""
    found = set()
    for app_dir in ("mentoring_site", "residents", "mentors", "matching", "activity_log"):
        for path in (ROOT / app_dir).rglob("*.py"):
            relative = str(path.relative_to(ROOT))
            for line in path.read_text().splitlines():
                code = line.split("#", 1)[0]
                if ".delay(" in code or ".apply_async(" in code:
                    found.add((relative, code.strip()))
    assert found <= ALLOWED_DIRECT_SENDS  # enqueue() itself hands `task.apply_async` to a thread
