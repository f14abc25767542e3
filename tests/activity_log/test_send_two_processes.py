"""No duplicates: senders racing in separate processes mail each reminder exactly once.

Three processes start their first claim at the same instant, take small batches (6 rows), are
slow between picking rows and claiming them, and send through a slow backend, so their claims
overlap batch after batch. Without the claim's
compare-and-set condition (`claimed_until IS NULL OR claimed_until < now`) they send the same
rows twice (checked by removing it: docs/reliability.md).
"""

from __future__ import annotations

import datetime as dt
import email
import subprocess
import sys
import time
from collections import Counter
from zoneinfo import ZoneInfo

from django.utils import timezone

from activity_log.models import Reminder
from matching.models import Pairing
from tests import factories as f
from tests.conftest import ROOT, worker_env

PROCESSES = 3
MENTORS = 30
MENTEES_EACH = 2
# Each process connects first, then waits for the common start. A slow round trip (0.1 s)
# between picking rows and claiming them widens the window in which two senders pick the same
# rows: only the claim's compare-and-set then keeps them from both sending.
SEND = (
    "import os, time\n"
    "from django.db import connection\n"
    "from activity_log.reminders import send as reminders\n"
    "claim = reminders._claim\n"
    "def slow_claim(*args, **kwargs):\n"
    "    time.sleep(0.1)\n"
    "    return claim(*args, **kwargs)\n"
    "reminders._claim = slow_claim\n"
    "connection.ensure_connection()\n"
    "time.sleep(max(0.0, float(os.environ['START_AT']) - time.time()))\n"
    "print(reminders.send_all_due(batch=6).emails)\n"
)


def daytime_zone() -> str:
    """A time zone where it is daytime now, so quiet hours never hold an email back here."""
    zones = ("America/New_York", "Europe/London", "Asia/Tokyo", "Pacific/Honolulu")
    return next(z for z in zones if 9 <= timezone.now().astimezone(ZoneInfo(z)).hour < 20)


def test_senders_in_several_processes_at_once_send_each_reminder_once(transactional_db, tmp_path):
    house = f.HouseFactory(time_zone=daytime_zone())
    mentors = [f.ClearedMentorFactory() for _ in range(MENTORS)]
    names = []
    due_at = timezone.now() - dt.timedelta(days=1)
    for mentor in mentors:
        for _ in range(MENTEES_EACH):
            name = f"Mentee{len(names):03d}x"
            names.append(name)
            resident = f.ResidentFactory(house=house, preferred_name=name)
            pairing = f.PairingFactory(mentor=mentor, resident=resident)
            Pairing.objects.filter(pk=pairing.pk).update(next_due_at=due_at)
            Reminder.objects.create(
                kind="mentor_overdue",
                pairing=pairing,
                subject_key=f"pairing:{pairing.pk}",
                due_at=due_at,
                recipient=mentor.user,
                send_after=timezone.now() - dt.timedelta(minutes=1),
            )

    mail = tmp_path / "mail"
    env = worker_env() | {
        "EMAIL_FILE_PATH": str(mail),
        "EMAIL_BACKEND": "tests.activity_log.smtp_support.SlowFileBackend",
        # Django starts in about a second per process; all three claim at this instant.
        "START_AT": str(time.time() + 6),
    }
    command = [sys.executable, "manage.py", "shell", "-c", SEND]
    procs = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        for _ in range(PROCESSES)
    ]
    outputs = [proc.communicate(timeout=120)[0].decode() for proc in procs]

    assert [proc.returncode for proc in procs] == [0] * PROCESSES, outputs
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0
    messages = [email.message_from_string(path.read_text()) for path in mail.iterdir()]
    texts = [m.get_payload()[0].get_payload() for m in messages]
    mentions = Counter(name for text in texts for name in names if name in text)
    duplicates = sum(n - 1 for n in mentions.values())
    ids = Counter(m["Message-ID"] for m in messages)
    print(f"FIGURES: {len(messages)} emails for {len(names)} reminders, {duplicates} duplicates")
    # Every mentee in exactly one email; no email twice.
    assert mentions == Counter(names)
    assert max(ids.values()) == 1
    # Every mentor got their reminders (usually one digest; two if two senders split them).
    assert {m["To"] for m in messages} == {m.user.email for m in mentors}
    # The senders really overlapped: more than one of them sent something.
    assert sum(1 for out in outputs if int(out.split()[-1]) > 0) >= 2, outputs
