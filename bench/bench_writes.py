"""Benchmark: what the change-log triggers cost a write (logging a contact), on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentoring_large VAR_DIR=/tmp/var-large \\
        .venv/bin/python bench/bench_writes.py --writes 200 --rounds 5

Logs contacts through the service the log form uses (`activity_log.contacts.services.contact_log`:
the contact, its topics, the pairing's due times, milestones, the feedback hook) for the active
pairings of the first mentors, with the triggers of migrations activity_log 0013 (the reports'
change log) and 0016 (the page cache's) as they are, with the page-cache triggers disabled, and
with both disabled. The three modes take turns, `--rounds` times, so a drift of the machine's
load falls on all of them alike. Prints the median and p99 milliseconds per contact and the
change-log rows written per contact.

Everything runs in one transaction that is rolled back at the end (the triggers are disabled with
ALTER TABLE inside it): the database is left as it was. Commits are therefore not timed, so the
share the triggers take of a real POST (which also commits and renders) is smaller than the share
shown here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODES = {
    "all triggers": (),
    "no page-cache triggers": ("page_change_%",),
    "no change-log triggers": ("page_change_%", "report_change_%"),
}


class Rollback(Exception):
    pass


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=200, help="contacts per mode and round")
    parser.add_argument("--rounds", type=int, default=5)
    return parser.parse_args()


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring_site.settings")
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()


def triggers(cursor, patterns: tuple[str, ...]) -> list[tuple[str, str]]:
    """(table, trigger) of the app's triggers whose names match any of `patterns`."""
    if not patterns:
        return []
    cursor.execute(
        "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND t.tgname LIKE ANY(%s) ORDER BY 1, 2",
        [list(patterns)],
    )
    return cursor.fetchall()


def set_triggers(cursor, names: list[tuple[str, str]], enabled: bool) -> None:
    verb = "ENABLE" if enabled else "DISABLE"
    for table, name in names:
        cursor.execute(f'ALTER TABLE "{table}" {verb} TRIGGER "{name}"')


def change_rows(cursor) -> int:
    cursor.execute(
        "SELECT (SELECT count(*) FROM mentoring_site_pagechange)"
        " + (SELECT count(*) FROM activity_log_reportchange)"
    )
    return cursor.fetchone()[0]


def measure(writes: int, rounds: int) -> tuple[dict[str, list[float]], dict[str, int], dict]:
    """Seconds per contact and change-log rows written, per mode; rolled back at the end."""
    from django.db import connection, transaction
    from django.utils import timezone

    from activity_log.contacts import services
    from activity_log.models import Topic
    from matching.models import Pairing

    if connection.vendor != "postgresql":
        sys.exit("bench_writes.py needs PostgreSQL (the triggers exist only there).")
    pairings = list(
        Pairing.objects.active()
        .filter(mentor__status="active")
        .select_related("mentor__user", "resident")
        .order_by("pk")[:50]
    )
    if not pairings:
        sys.exit("No active pairing: run seed_demo first.")
    topics = list(Topic.objects.order_by("pk")[:2])
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    rows: dict[str, int] = dict.fromkeys(MODES, 0)
    now = timezone.now()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # Foreign keys checked at each statement rather than at commit: ALTER TABLE refuses
            # a table with trigger events still pending (the same checks in every mode).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            found = {mode: triggers(cursor, patterns) for mode, patterns in MODES.items()}
            for _ in range(rounds):
                for mode, names in found.items():
                    set_triggers(cursor, names, enabled=False)
                    before = change_rows(cursor)
                    for n in range(writes):
                        pairing = pairings[n % len(pairings)]
                        started = time.perf_counter()
                        services.contact_log(
                            pairing=pairing,
                            author=pairing.mentor.user,
                            happened_at=now - dt.timedelta(minutes=n + 1),
                            topics=topics,
                            notes="bench_writes",
                            idempotency_key=uuid.uuid4(),
                        )
                        times[mode].append(time.perf_counter() - started)
                    rows[mode] += change_rows(cursor) - before
                    set_triggers(cursor, names, enabled=True)
            raise Rollback
    except Rollback:
        pass
    return (
        times,
        rows,
        {"pairings": len(pairings), "disabled": {m: len(n) for m, n in found.items()}},
    )


def main() -> None:
    args = parse_args()
    setup_django()
    from django.conf import settings

    print(
        f"database {settings.DATABASES['default']['NAME']}; "
        f"{args.writes} contacts per mode and round, {args.rounds} rounds"
    )
    times, rows, facts = measure(args.writes, args.rounds)
    print(
        f"{facts['pairings']} pairings; triggers disabled: "
        + ", ".join(f"{mode} {n}" for mode, n in facts["disabled"].items())
    )
    print(f"\n{'mode':<26}{'median ms':>11}{'p99 ms':>9}{'change rows':>13}")
    for mode, values in times.items():
        values.sort()
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        per = rows[mode] / len(values)
        print(f"{mode:<26}{1000 * statistics.median(values):>11.2f}{1000 * p99:>9.2f}{per:>13.1f}")
    print("\nrolled back: the database is as it was")


if __name__ == "__main__":
    main()
