"""Fault 3: a frozen Redis (SIGSTOP: connections are accepted, nothing ever answers) must not
freeze the site.

The cache and the Celery app point at a PRIVATE redis-server, configured exactly as
mentoring_site/settings.py configures them for REDIS_URL; the server is SIGSTOPped, then a mentor
opens My mentees, logs a contact and an urgent concern, and signs in. Each answers within 3 s
and saves; the urgent alert waits in the outbox for beat.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activity_log.models import ContactLog, Reminder
from mentoring_site import cache as resilient_cache
from mentoring_site import tasks as enqueueing
from mentoring_site.celery import app
from tests import factories as f
from tests.activity_log.contact_support import form_data, pairing_for
from tests.conftest import use_broker, wait_for
from tests.private_redis import PrivateRedis, require_redis_server, settings_with_redis

pytestmark = pytest.mark.celery_worker

BUDGET = 3.0  # seconds per request while Redis is frozen
WATCHDOG = 20.0  # thaw Redis after this long whatever happens, so a hang fails instead of sticking


@pytest.fixture
def redis_as_configured(settings, monkeypatch):
    """A private Redis with the cache and broker set up from settings.py's own REDIS_URL branch."""
    require_redis_server()
    redis = PrivateRedis()
    redis.start()
    configured = settings_with_redis(redis.url, monkeypatch)
    settings.CACHES = configured["CACHES"]
    settings.REDIS_TIMEOUT_SECONDS = configured.get("REDIS_TIMEOUT_SECONDS", 5)
    use_broker(app, redis.url, configured["CELERY_BROKER_TRANSPORT_OPTIONS"])
    connection_timeout = app.conf.broker_connection_timeout
    app.conf.broker_connection_timeout = configured.get("CELERY_BROKER_CONNECTION_TIMEOUT", 4)
    getattr(resilient_cache, "resume_all", lambda: None)()
    yield redis
    redis.stop()
    app.conf.broker_connection_timeout = connection_timeout
    getattr(resilient_cache, "resume_all", lambda: None)()
    in_flight = getattr(enqueueing, "_in_flight", None)
    if in_flight is not None:  # a publish stuck on the frozen server ends once it is gone
        with contextlib.suppress(Exception):
            in_flight.result(timeout=10)


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_a_frozen_redis_costs_each_request_at_most_a_timeout(
    transactional_db, redis_as_configured, tmp_path
):
    redis = redis_as_configured
    manager = f.ManagerUserFactory()
    house = f.HouseFactory(managers=[manager])
    mentor = f.ClearedMentorFactory()
    pairing = pairing_for(mentor, house=house)
    mentor_client = Client()
    mentor_client.force_login(mentor.user, backend="django.contrib.auth.backends.ModelBackend")

    # Pools hold live connections to Redis, as on a server that has been up a while.
    cache.set("warm", 1)
    assert cache.get("warm") == 1
    assert mentor_client.get(reverse("activity_log:my_mentees")).status_code == 200

    redis.freeze()
    watchdog = threading.Timer(WATCHDOG, redis.thaw)
    watchdog.start()
    timings = {}
    try:
        log_url = reverse("activity_log:contact_new", args=[pairing.pk])
        response, timings["my mentees"] = timed(
            lambda: mentor_client.get(reverse("activity_log:my_mentees"))
        )
        assert response.status_code == 200
        response, timings["log contact"] = timed(
            lambda: mentor_client.post(log_url, form_data(notes="Walked to the store"))
        )
        assert response.status_code == 302, response.content.decode()[:300]
        urgent = form_data(
            concern_level="urgent",
            concern_note="Needs a call today",
            happened_at=(timezone.localtime(timezone.now() - dt.timedelta(minutes=90))).strftime(
                "%Y-%m-%dT%H:%M"
            ),
        )
        response, timings["urgent concern"] = timed(lambda: mentor_client.post(log_url, urgent))
        assert response.status_code == 302, response.content.decode()[:300]
        response, timings["sign-in"] = timed(
            lambda: Client().post(
                reverse("account_login"), {"login": mentor.user.email, "password": f.PASSWORD}
            )
        )
        assert response.status_code == 302
        health, timings["healthz"] = timed(lambda: Client().get("/healthz"))
    finally:
        watchdog.cancel()
        redis.thaw()
    thawed = time.monotonic()

    slow = {name: round(seconds, 2) for name, seconds in timings.items() if seconds > BUDGET}
    assert slow == {}, f"requests over {BUDGET} s with Redis frozen: {slow}"
    assert (health.status_code, health.json()["broker"]) == (503, "down")
    assert ContactLog.objects.filter(pairing=pairing).count() == 2
    assert Reminder.objects.filter(kind="urgent_concern", recipient=manager).count() == 1

    # Once Redis answers again the cache comes back by itself (after its pause).
    def cache_works() -> bool:
        cache.set("back", 1)
        return cache.get("back") == 1

    wait_for(cache_works, timeout=30, interval=0.2)
    recovery = time.monotonic() - thawed
    print(
        "\nfrozen Redis, seconds per request: "
        + ", ".join(f"{name} {seconds:.2f}" for name, seconds in timings.items())
        + f"; cache back {recovery:.1f} s after SIGCONT"
    )
