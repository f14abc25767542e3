"""One delivery per channel under concurrent senders: three processes send the same outbox of
email and text rows, and every mentee is in exactly one email and one text (run it on PostgreSQL:
DATABASE_URL=postgres://...; it also runs on SQLite, where writes are serialised anyway)."""

from __future__ import annotations

import datetime as dt
import email
import subprocess
import sys
import time
from collections import Counter

from django.db import connection
from django.utils import timezone

from activity_log.models import Reminder
from matching.models import Pairing
from mentoring_site.models import TextPreference
from tests import factories as f
from tests.activity_log.test_send_two_processes import daytime_zone
from tests.conftest import ROOT, worker_env

PROCESSES = 3
MENTORS = 20
MENTEES_EACH = 2
SEND = (
    "import os, time\n"
    "from django.db import connection\n"
    "from activity_log.reminders import send\n"
    "claim = send._claim\n"
    "def slow_claim(*args, **kwargs):\n"
    "    time.sleep(0.1)\n"
    "    return claim(*args, **kwargs)\n"
    "send._claim = slow_claim\n"
    "connection.ensure_connection()\n"
    "time.sleep(max(0.0, float(os.environ['START_AT']) - time.time()))\n"
    "print(send.send_all_due(batch=6).sent)\n"
)


def test_each_channel_is_delivered_once_by_racing_senders(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        print("Runs against SQLite here; CI runs it on PostgreSQL (DATABASE_URL=postgres://...).")
    house = f.HouseFactory(time_zone=daytime_zone())
    names, phones = [], {}
    due_at = timezone.now() - dt.timedelta(days=1)
    for number in range(MENTORS):
        mentor = f.ClearedMentorFactory()
        phone = f"+1212555{100 + number:04d}"
        phones[phone] = mentor
        TextPreference.objects.create(
            user=mentor.user, channel="both", phone=phone, phone_verified_at=timezone.now()
        )
        for _ in range(MENTEES_EACH):
            name = f"Mentee{len(names):03d}x"
            names.append(name)
            pairing = f.PairingFactory(
                mentor=mentor, resident=f.ResidentFactory(house=house, preferred_name=name)
            )
            Pairing.objects.filter(pk=pairing.pk).update(next_due_at=due_at)
            for channel in ("email", "sms"):
                Reminder.objects.create(
                    kind="mentor_overdue",
                    channel=channel,
                    pairing=pairing,
                    subject_key=f"pairing:{pairing.pk}",
                    due_at=due_at,
                    recipient=mentor.user,
                    send_after=timezone.now() - dt.timedelta(minutes=1),
                )

    mail, texts = tmp_path / "mail", tmp_path / "sms"
    env = worker_env() | {
        "EMAIL_FILE_PATH": str(mail),
        "EMAIL_BACKEND": "tests.activity_log.smtp_support.SlowFileBackend",
        "SMS_BACKEND": "mentoring_site.sms.backends.FileBackend",
        "SMS_FILE_PATH": str(texts),
        "START_AT": str(time.time() + 6),
    }
    command = [sys.executable, "manage.py", "shell", "-c", SEND]
    procs = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        for _ in range(PROCESSES)
    ]
    outputs = [proc.communicate(timeout=180)[0].decode() for proc in procs]

    assert [proc.returncode for proc in procs] == [0] * PROCESSES, outputs
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()
    emails = [email.message_from_string(p.read_text()) for p in mail.iterdir()]
    email_bodies = [m.get_payload()[0].get_payload() for m in emails]
    text_files = [p.read_text() for p in texts.iterdir()]
    in_emails = Counter(n for body in email_bodies for n in names if n in body)
    in_texts = Counter(n for body in text_files for n in names if n in body)
    print(
        f"FIGURES: {len(emails)} emails and {len(text_files)} texts for {len(names)} mentees "
        f"on {connection.vendor}"
    )
    assert in_emails == Counter(names)
    assert in_texts == Counter(names)
    # Each text went to its mentor's number.
    for body in text_files:
        to = next(line[4:] for line in body.splitlines() if line.startswith("To: "))
        mentor = phones[to]
        mine = {r.resident.preferred_name for r in mentor.pairings.all()}
        assert any(name in body for name in mine)
    # The senders overlapped.
    assert sum(1 for out in outputs if int(out.split()[-1]) > 0) >= 2, outputs
