"""Racing scans print what each inserted: the sum of their counts equals the rows written.

Issue 14, fault 5 (docs/reliability.md): five scans at once each printed "wrote 502 mentor, 716
escalation" although 1,218 rows existed in all; each counted what it tried, not what the
database kept. Threads against the test database (PostgreSQL in CI: DATABASE_URL=postgres://...).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from io import StringIO

from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from activity_log.models import Reminder
from matching.models import Pairing
from tests import factories as f

SCANS = 5
HOUSES = 4
OVERDUE_PER_HOUSE = 15
COUNTS = re.compile(r"New reminders: (\d+) mentor, (\d+) manager escalation, (\d+) training")


def test_five_racing_scans_count_only_the_rows_they_inserted(transactional_db):
    if connection.vendor != "postgresql":
        print("Runs against SQLite here; run it on PostgreSQL too (DATABASE_URL=postgres://...).")
    due = timezone.now() - dt.timedelta(days=4)
    for _ in range(HOUSES):
        house = f.HouseFactory(managers=[f.ManagerUserFactory(), f.ManagerUserFactory()])
        for _ in range(OVERDUE_PER_HOUSE):
            pairing = f.PairingFactory(resident=f.ResidentFactory(house=house))
            Pairing.objects.filter(pk=pairing.pk).update(next_due_at=due)
    barrier = threading.Barrier(SCANS, timeout=30)
    outputs: list[str] = []
    errors: list[BaseException] = []

    def scan():
        out = StringIO()
        try:
            barrier.wait()
            call_command("scan_overdue", "--no-send", stdout=out)
            outputs.append(out.getvalue())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scan) for _ in range(SCANS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    printed = [tuple(int(n) for n in COUNTS.search(out).groups()) for out in outputs]
    mentor = sum(p[0] for p in printed)
    escalation = sum(p[1] for p in printed)
    rows = HOUSES * OVERDUE_PER_HOUSE
    print(f"FIGURES: {SCANS} scans printed {printed}; {Reminder.objects.count()} rows exist")
    assert Reminder.objects.filter(kind="mentor_overdue").count() == rows == mentor
    assert Reminder.objects.filter(kind="manager_escalation").count() == 2 * rows == escalation
