"""A slow mail server, `manage.py scan_overdue` and the Celery sender at once: 0 duplicates.

Issue 14, fault 4 (docs/reliability.md): with a mail server taking 0.75 s per message, the
command's single batch outlived the 5-minute claim and the Celery sender sent the same rows
again. Here the lease is 6 s (so the test is short), the mail server takes 0.5 s per message,
and the command runs while the Celery task runs every second, as beat would, in threads
against the test database (PostgreSQL in CI: DATABASE_URL=postgres://...).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from io import StringIO
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from activity_log.models import Reminder
from activity_log.tasks import send_reminders
from matching.models import Pairing
from tests import factories as f
from tests.activity_log.smtp_support import SlowSMTPServer

MENTORS = 60
MENTEES_EACH = 4  # 240 reminders in 60 emails
LEASE = dt.timedelta(seconds=6)
DELAY = 0.5


def daytime_zone() -> str:
    zones = ("America/New_York", "Europe/London", "Asia/Tokyo", "Pacific/Honolulu")
    return next(z for z in zones if 9 <= timezone.now().astimezone(ZoneInfo(z)).hour < 20)


def test_the_command_and_the_task_at_once_send_each_reminder_once(transactional_db, settings):
    if connection.vendor != "postgresql":
        print("Runs against SQLite here; run it on PostgreSQL too (DATABASE_URL=postgres://...).")
    house = f.HouseFactory(time_zone=daytime_zone())
    due = timezone.now() - dt.timedelta(days=1)
    for _ in range(MENTORS):
        mentor = f.ClearedMentorFactory()
        for _ in range(MENTEES_EACH):
            pairing = f.PairingFactory(mentor=mentor, resident=f.ResidentFactory(house=house))
            Pairing.objects.filter(pk=pairing.pk).update(next_due_at=due)
    settings.REMINDER_CLAIM_LEASE = LEASE
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    errors: list[BaseException] = []
    out = StringIO()
    done = threading.Event()

    def in_thread(work):
        def run():
            try:
                work()
            except BaseException as exc:  # noqa: BLE001 - reported by the test below
                errors.append(exc)
            finally:
                connections.close_all()

        return threading.Thread(target=run)

    def command():
        call_command("scan_overdue", stdout=out)
        done.set()

    def beat():
        # The Celery sender every second until the command is done and nothing waits.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            send_reminders.apply()
            if done.is_set() and not Reminder.objects.filter(sent_at__isnull=True).exists():
                return
            time.sleep(1)

    started = time.monotonic()
    with SlowSMTPServer(delay=DELAY) as server:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        threads = [in_thread(command), in_thread(beat)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=150)
    elapsed = time.monotonic() - started

    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)
    reminders = MENTORS * MENTEES_EACH
    assert Reminder.objects.count() == reminders
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0  # none lost
    counts = server.message_ids()
    duplicates = sum(n - 1 for n in counts.values())
    print(
        f"FIGURES: {reminders} reminders, {len(server.messages)} emails received, "
        f"{len(counts)} distinct Message-IDs, {duplicates} duplicates, "
        f"{server.connections} SMTP connections, {elapsed:.1f} s"
    )
    assert duplicates == 0
    # Every recipient got every one of their reminders in some email; none in two.
    assert len(server.messages) == len(counts) >= MENTORS
    # Connections are reused within a batch: far fewer than the emails.
    assert server.connections < len(server.messages)
