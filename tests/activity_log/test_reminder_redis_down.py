"""Nothing lost with Redis down: pages and contact logging work, and the next scan sends.

Uses a PRIVATE redis-server on a free port (never the shared one on 6379), stops it, then
starts it again with a real Celery worker listening on it.
"""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from activity_log.models import ContactLog, Reminder
from activity_log.reminders.scan import scan_overdue
from activity_log.reminders.send import enqueue_send
from matching.models import Pairing
from mentoring_site.celery import app
from tests import factories as f
from tests.activity_log.contact_support import form_data
from tests.conftest import use_broker, wait_for, worker_env
from tests.private_redis import CeleryProcess, PrivateRedis, require_redis_server

pytestmark = pytest.mark.celery_worker


def daytime_zone() -> str:
    """A time zone where it is daytime now, so quiet hours never hold an email back here."""
    zones = ("America/New_York", "Europe/London", "Asia/Tokyo", "Pacific/Honolulu")
    return next(z for z in zones if 9 <= timezone.now().astimezone(ZoneInfo(z)).hour < 20)


@pytest.fixture
def private_redis(settings):
    require_redis_server()
    redis = PrivateRedis()
    redis.start()
    settings.REDIS_URL = redis.url
    settings.CACHES = {
        "default": {"BACKEND": "mentoring_site.cache.ResilientRedisCache", "LOCATION": redis.url}
    }
    use_broker(app, redis.url, {})
    yield redis
    redis.stop()


def test_with_redis_down_pages_and_contacts_work_and_the_next_scan_sends(
    transactional_db, private_redis, client, tmp_path
):
    mentor = f.ClearedMentorFactory()
    manager = f.ManagerUserFactory()
    house = f.HouseFactory(time_zone=daytime_zone(), managers=[manager])
    overdue = f.PairingFactory(
        mentor=mentor, resident=f.ResidentFactory(house=house, preferred_name="Olivetta")
    )
    seen = f.PairingFactory(
        mentor=mentor, resident=f.ResidentFactory(house=house, preferred_name="Sybilla")
    )
    Pairing.objects.filter(pk=overdue.pk).update(next_due_at=timezone.now() - dt.timedelta(days=1))

    private_redis.stop()

    # Web pages still answer; the shared cache degrades to misses.
    assert client.get(reverse("account_login")).status_code == 200
    failed_login = client.post(
        reverse("account_login"), {"login": mentor.user.email, "password": "wrong"}
    )
    assert failed_login.status_code == 200
    signed_in = client.post(
        reverse("account_login"), {"login": mentor.user.email, "password": f.PASSWORD}
    )
    assert signed_in.status_code == 302
    client.logout()
    cache.set("probe", 1)
    assert cache.get("probe") is None
    client.force_login(mentor.user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("activity_log:my_mentees")).status_code == 200
    health = client.get(reverse("healthz"))
    assert (health.status_code, health.json()["broker"]) == (503, "down")

    # The mentor posts the real log form, a normal contact and an urgent one: both commit and
    # redirect to the saved page; the alert waits in the outbox.
    log_url = reverse("activity_log:contact_new", args=[seen.pk])
    house_now = timezone.localtime(timezone=ZoneInfo(house.time_zone))
    saved = []
    for minutes_ago, extra in (
        (60, {}),
        (30, {"concern_level": ContactLog.Concern.URGENT, "concern_note": "Needs a call today"}),
    ):
        happened_at = (house_now - dt.timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M")
        response = client.post(log_url, form_data(happened_at=happened_at, **extra))
        assert response.status_code == 302, response.content.decode()[:500]
        new = ContactLog.objects.filter(pairing=seen).exclude(pk__in=[c.pk for c in saved]).get()
        assert response.url == reverse("activity_log:contact_saved", args=[new.pk])
        assert client.get(response.url).status_code == 200
        saved.append(new)
    contact, urgent = saved
    assert (contact.concern_level, urgent.concern_level) == ("none", "urgent")
    assert ContactLog.objects.filter(pairing=seen).count() == 2
    assert Pairing.objects.get(pk=seen.pk).last_contact_at == urgent.happened_at
    assert Reminder.objects.get(kind="urgent_concern").recipient == manager
    started = time.monotonic()
    assert enqueue_send() is False
    assert time.monotonic() - started < 3

    # Beat cannot reach the worker, but a scan (e.g. `manage.py scan_overdue --no-send`) still
    # records what is owed.
    assert scan_overdue().mentor_overdue == 1
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 2

    # Redis returns; the next scan enqueues the send and a real worker delivers it, once.
    private_redis.start()
    mail_dir = tmp_path / "mail"
    env = worker_env() | {"REDIS_URL": private_redis.url, "EMAIL_FILE_PATH": str(mail_dir)}
    worker = CeleryProcess(
        ["worker", "--pool", "solo", "--loglevel", "INFO", "--without-heartbeat"]
        + ["--without-gossip", "--without-mingle"],
        env,
        tmp_path / "worker.log",
        "ready.",
    )
    worker.start()
    try:
        assert scan_overdue().total == 0  # nothing new: the waiting reminder is what gets sent
        wait_for(lambda: not Reminder.objects.filter(sent_at__isnull=True).exists(), timeout=30)
        time.sleep(1)
        messages = sorted(path.read_text() for path in mail_dir.iterdir())
        assert len(messages) == 2
        assert sum(f"To: {manager.email}" in m and "Urgent" in m for m in messages) == 1
        assert sum(overdue.resident.preferred_name in m for m in messages) == 1
    finally:
        worker.stop()
