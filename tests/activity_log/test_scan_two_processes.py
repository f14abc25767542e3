"""No duplicates: scans racing in separate processes write each reminder exactly once."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from zoneinfo import ZoneInfo

from django.utils import timezone

from activity_log.models import Reminder
from activity_log.reminders.send import send_due_reminders
from matching.models import Pairing
from tests import factories as f
from tests.conftest import ROOT, worker_env

PROCESSES = 4


def daytime_zone() -> str:
    """A time zone where it is daytime now, so quiet hours never hold an email back here."""
    zones = ("America/New_York", "Europe/London", "Asia/Tokyo", "Pacific/Honolulu")
    return next(z for z in zones if 9 <= timezone.now().astimezone(ZoneInfo(z)).hour < 20)


def test_scans_in_several_processes_at_once_write_one_reminder_each(transactional_db, mailoutbox):
    from django.db import connection

    if connection.vendor != "postgresql":
        print("Runs against SQLite here; CI runs it on PostgreSQL (DATABASE_URL=postgres://...).")
    managers = [f.ManagerUserFactory(), f.ManagerUserFactory()]
    house = f.HouseFactory(managers=managers, time_zone=daytime_zone())
    pairings = [f.PairingFactory(resident=f.ResidentFactory(house=house)) for _ in range(5)]
    Pairing.objects.filter(pk__in=[p.pk for p in pairings]).update(
        next_due_at=timezone.now() - dt.timedelta(days=4)
    )

    command = [sys.executable, "manage.py", "scan_overdue", "--no-send"]
    procs = [
        subprocess.Popen(
            command, cwd=ROOT, env=worker_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        for _ in range(PROCESSES)
    ]
    outputs = [proc.communicate(timeout=120)[0].decode() for proc in procs]

    assert [proc.returncode for proc in procs] == [0] * PROCESSES, outputs
    # 5 mentor reminders and 2 managers x 5 escalations, whoever wrote them.
    assert Reminder.objects.filter(kind="mentor_overdue").count() == 5
    assert Reminder.objects.filter(kind="manager_escalation").count() == 10
    # Each process prints what it inserted (RETURNING), so the counts add up to the rows.
    written = sum(int(out.split("New reminders: ")[1].split(" mentor")[0]) for out in outputs)
    assert written == 5

    # Sending twice (e.g. a retried task) still gives one email per recipient.
    send_due_reminders()
    send_due_reminders()
    expected = sorted({p.mentor.user.email for p in pairings} | {m.email for m in managers})
    assert sorted(m.to[0] for m in mailoutbox) == expected
