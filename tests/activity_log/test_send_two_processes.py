"""No duplicates: senders racing in separate processes mail each reminder exactly once."""

from __future__ import annotations

import datetime as dt
import email
import subprocess
import sys
from zoneinfo import ZoneInfo

from django.utils import timezone

from activity_log.models import Reminder
from matching.models import Pairing
from tests import factories as f
from tests.conftest import ROOT, worker_env

PROCESSES = 3
SEND = "from activity_log.reminders import send_all_due; print(send_all_due().emails)"


def daytime_zone() -> str:
    """A time zone where it is daytime now, so quiet hours never hold an email back here."""
    zones = ("America/New_York", "Europe/London", "Asia/Tokyo", "Pacific/Honolulu")
    return next(z for z in zones if 9 <= timezone.now().astimezone(ZoneInfo(z)).hour < 20)


def test_senders_in_several_processes_at_once_send_each_email_once(transactional_db, tmp_path):
    house = f.HouseFactory(time_zone=daytime_zone())
    mentors = [f.ClearedMentorFactory() for _ in range(4)]
    for mentor in mentors:
        for _ in range(3):
            pairing = f.PairingFactory(mentor=mentor, resident=f.ResidentFactory(house=house))
            due_at = timezone.now() - dt.timedelta(days=1)
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
    env = worker_env() | {"EMAIL_FILE_PATH": str(mail)}
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
    # Each run sends one digest per mentor for what it claimed; no mentee is in two emails.
    assert sorted(m["To"] for m in messages) == sorted(m.user.email for m in mentors)
    texts = [m.get_payload()[0].get_payload() for m in messages]
    assert sum(text.count("due since") for text in texts) == 12
