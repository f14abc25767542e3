"""Benchmark: the overdue scan and reminder sending at two sizes, on PostgreSQL.

    createdb -h 127.0.0.1 -U postgres mentoring_bench   # or let the script create it
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentoring_bench \\
        .venv/bin/python bench/bench_scan.py --pairings 100000 --overdue 1000

Builds its own data in a dedicated database (its name must contain "bench"; the script flushes
it), first with --small active pairings, then grown to --pairings with the same number overdue,
and reports median / p99 scan time at each size (a scan that writes every reminder, and the
steady-state scan that runs every minute and finds them written), the send time per reminder,
and EXPLAIN for the scan's queries. Results go in docs/reminders.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairings", type=int, default=100_000, help="active pairings, large size")
    parser.add_argument("--small", type=int, default=10_000, help="active pairings, small size")
    parser.add_argument("--overdue", type=int, default=1_000, help="overdue pairings at both sizes")
    parser.add_argument("--runs", type=int, default=20, help="timed scans per measurement")
    return parser.parse_args()


def ensure_database(url: str) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if parsed.scheme not in {"postgres", "postgresql"} or "bench" not in name:
        sys.exit(
            "Set DATABASE_URL to a dedicated PostgreSQL database whose name contains 'bench', e.g.\n"
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentoring_bench (it is flushed)."
        )
    import psycopg

    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring_site.settings")
    os.environ.setdefault("DEBUG", "true")
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()


DAY = dt.timedelta(days=1)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


class Builder:
    """Bulk-creates houses, managers, mentors, residents and active pairings."""

    def __init__(self, now: dt.datetime):
        from django.core.management import call_command

        self.now = now
        self.rng = random.Random(7)
        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)
        self.houses = self._houses()
        self.mentors: list = []
        self.made = 0

    def _houses(self):
        from mentoring_site.models import User
        from residents.models import House

        houses = House.objects.bulk_create(
            [House(name=f"House {i}", time_zone="America/New_York", beds=12) for i in range(20)]
        )
        managers = User.objects.bulk_create(
            [
                User(email=f"manager{i}@bench.example", first_name="Manager", password="!")
                for i in range(40)
            ]
        )
        for i, house in enumerate(houses):
            house.managers.add(managers[2 * i], managers[2 * i + 1])
        return houses

    def _mentors(self, count: int):
        from mentoring_site.models import User
        from mentors.models import Mentor

        start = len(self.mentors)
        users = User.objects.bulk_create(
            [
                User(email=f"mentor{start + i}@bench.example", first_name="Mentor", password="!")
                for i in range(count)
            ],
            batch_size=5000,
        )
        recovery = self.now.date() - dt.timedelta(days=2000)
        self.mentors += Mentor.objects.bulk_create(
            [Mentor(user=u, status="active", recovery_since=recovery, capacity=5) for u in users],
            batch_size=5000,
        )

    def add(self, pairings: int, overdue: int) -> None:
        """`pairings` more active pairings, of which `overdue` are past the grace period."""
        from django.conf import settings

        from matching import checkins
        from matching.models import Pairing
        from residents.models import Resident

        self._mentors(pairings // 5)
        move_in = self.now.date() - dt.timedelta(days=90)
        for start in range(0, pairings, 10_000):
            size = min(10_000, pairings - start)
            residents = Resident.objects.bulk_create(
                [
                    Resident(
                        preferred_name=f"Resident{self.made + start + i}",
                        first_name="Bench",
                        last_name="Resident",
                        house=self.houses[(self.made + start + i) % len(self.houses)],
                        move_in_date=move_in,
                    )
                    for i in range(size)
                ]
            )
            rows = []
            for i, resident in enumerate(residents):
                if start + i < overdue:
                    late = settings.REMINDER_GRACE + dt.timedelta(hours=self.rng.randint(1, 240))
                    due = self.now - late
                else:
                    due = self.now + dt.timedelta(hours=self.rng.randint(1, 7 * 24))
                rows.append(
                    Pairing(
                        mentor=self.mentors[self.rng.randrange(len(self.mentors))],
                        resident=resident,
                        status="active",
                        started_on=move_in,
                        checkin_interval_days=7,
                        last_contact_at=due - dt.timedelta(days=7),
                        next_due_at=due,
                        overdue_at=checkins.overdue_from(due, resident.house.zone),
                    )
                )
            Pairing.objects.bulk_create(rows)
        self.made += pairings


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def vacuum_reminders() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE activity_log_reminder")


def measure(now: dt.datetime, runs: int) -> dict:
    from activity_log.models import Reminder
    from activity_log.reminders.scan import scan_overdue
    from activity_log.reminders.send import send_due_reminders

    writing, writing_cpu, steady = [], [], []
    for _ in range(runs):
        # Start each run from an empty, vacuumed outbox (autovacuum's job in production).
        Reminder.objects.all().delete()
        vacuum_reminders()
        started, cpu = time.perf_counter(), time.process_time()
        result = scan_overdue(now, enqueue=False)
        writing.append(time.perf_counter() - started)
        writing_cpu.append(time.process_time() - cpu)
    for _ in range(runs):
        started = time.perf_counter()
        assert scan_overdue(now, enqueue=False).total == 0
        steady.append(time.perf_counter() - started)

    sent = emails = 0
    started = time.perf_counter()
    while True:
        batch = send_due_reminders(now, batch=500)
        if not batch.sent and not batch.dropped:
            break
        sent += batch.sent
        emails += batch.emails
    send_seconds = time.perf_counter() - started
    return {
        "written": result.total,
        "mentor": result.mentor_overdue,
        "escalations": result.manager_escalation,
        "writing": writing,
        "writing_cpu": writing_cpu,
        "steady": steady,
        "sent": sent,
        "emails": emails,
        "send_seconds": send_seconds,
    }


def show(plan: str) -> None:
    """EXPLAIN output, with the long id lists cut short."""
    for line in plan.splitlines():
        print(line if len(line) <= 160 else line[:157] + "...")


def explain(now: dt.datetime) -> None:

    from activity_log.models import Reminder
    from activity_log.reminders.scan import _overdue_pairings
    from activity_log.reminders.send import PAIRING_KINDS

    print("\nEXPLAIN: due pairings (pairing_due_scan_idx)")
    show(
        _overdue_pairings(now)
        .values_list("id", "next_due_at", "mentor_id", "resident_id")
        .explain()
    )
    ids = list(_overdue_pairings(now).values_list("id", flat=True))
    print("\nEXPLAIN: reminders already written for the due pairings")
    show(
        Reminder.objects.filter(
            kind__in=PAIRING_KINDS, pairing_id__in=ids, due_at__gte=now - 30 * DAY
        )
        .order_by()
        .values_list("kind", "pairing_id", "due_at", "recipient_id")
        .explain()
    )
    print("\nEXPLAIN: the sender's due reminders")
    show(
        Reminder.objects.ready(now)
        .order_by("send_after", "id")
        .values_list("id", flat=True)[:500]
        .explain()
    )


def report(label: str, pairings: int, m: dict) -> str:
    per = m["send_seconds"] / m["sent"] if m["sent"] else 0
    return (
        f"| {label} | {pairings:,} | {m['mentor']:,} + {m['escalations']:,} | "
        f"{ms(statistics.median(m['writing']))} / {ms(percentile(m['writing'], 99))} "
        f"(Python CPU {ms(statistics.median(m['writing_cpu']))}) | "
        f"{ms(statistics.median(m['steady']))} / {ms(percentile(m['steady'], 99))} | "
        f"{m['sent']:,} in {m['emails']:,} emails, {ms(per)} per reminder |"
    )


def main() -> None:
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    ensure_database(url)
    setup_django()
    from django.utils import timezone

    # A fixed afternoon in New York, so quiet hours never hold the send back.
    now = timezone.now().replace(hour=17, minute=0, second=0, microsecond=0, tzinfo=dt.UTC)
    started = time.perf_counter()
    builder = Builder(now)
    builder.add(args.small, args.overdue)
    analyze()
    print(f"built {args.small:,} active pairings in {time.perf_counter() - started:.0f} s")
    small = measure(now, args.runs)

    started = time.perf_counter()
    builder.add(args.pairings - args.small, 0)
    analyze()
    print(f"grew to {args.pairings:,} active pairings in {time.perf_counter() - started:.0f} s")
    large = measure(now, args.runs)
    explain(now)

    print(f"\n{args.runs} scans per cell, median / p99; {args.overdue:,} overdue at both sizes.")
    print(f"CPUs: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}\n")
    print(
        "| size | active pairings | reminders written (mentor + escalation) | scan writing them "
        "| scan, already written (every minute) | send |"
    )
    print("|---|---|---|---|---|---|")
    print(report("small", args.small, small))
    print(report("large", args.pairings, large))


if __name__ == "__main__":
    main()
