"""End to end: a real Celery beat and worker turn one overdue pairing into exactly one email.

Both processes share a private queue (CELERY_QUEUE) on the real broker (Redis in CI, the
filesystem broker locally) and scan every 2 seconds (SCAN_INTERVAL_SECONDS).
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from activity_log.models import Reminder
from matching.models import Pairing
from tests import factories as f
from tests.conftest import ROOT, wait_for, worker_env

pytestmark = pytest.mark.celery_worker

CELERY = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"


def daytime_zone() -> str:
    """A time zone where it is daytime now, so quiet hours never hold an email back here."""
    zones = ("America/New_York", "Europe/London", "Asia/Tokyo", "Pacific/Honolulu")
    return next(z for z in zones if 9 <= timezone.now().astimezone(ZoneInfo(z)).hour < 20)


def start(args: list[str], env: dict[str, str], log: Path, ready: str) -> subprocess.Popen:
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [CELERY, "-A", "mentoring_site", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while ready not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"celery {args[0]} did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_beat_and_a_worker_send_one_email_for_an_overdue_pairing(transactional_db, tmp_path):
    house = f.HouseFactory(time_zone=daytime_zone(), managers=[f.ManagerUserFactory()])
    pairing = f.PairingFactory(resident=f.ResidentFactory(house=house, last_name="Zebulonsky"))
    Pairing.objects.filter(pk=pairing.pk).update(next_due_at=timezone.now() - dt.timedelta(days=1))
    mail = tmp_path / "mail"
    env = worker_env() | {
        "CELERY_QUEUE": f"test-{uuid.uuid4().hex[:8]}",
        "SCAN_INTERVAL_SECONDS": "2",
        "EMAIL_FILE_PATH": str(mail),
    }
    worker = start(
        ["worker", "--pool", "solo", "--loglevel", "INFO", "--without-heartbeat"]
        + ["--without-gossip", "--without-mingle"],
        env,
        tmp_path / "worker.log",
        ready="ready",
    )
    beat = None
    try:
        beat = start(
            ["beat", "--loglevel", "INFO", "--schedule", str(tmp_path / "beat-schedule")],
            env,
            tmp_path / "beat.log",
            ready="beat: Starting",
        )
        wait_for(lambda: mail.exists() and any(mail.iterdir()), timeout=60)
        time.sleep(8)  # several more scans and sends: still one email
        files = list(mail.iterdir())
        assert len(files) == 1, [p.read_text() for p in files]
        message = files[0].read_text()
        assert f"To: {pairing.mentor.user.email}" in message
        assert pairing.resident.preferred_name in message
        assert pairing.resident.last_name not in message
        reminder = Reminder.objects.get()
        assert (reminder.kind, reminder.attempts) == ("mentor_overdue", 1)
        assert reminder.sent_at is not None
    finally:
        if beat:
            stop(beat)
        stop(worker)
