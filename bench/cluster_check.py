"""Verifies a bench/cluster.sh run against the database and the SMTP sink, and prints the summary.

    .venv/bin/python bench/cluster_check.py check --out RUN_DIR      # after the run
    .venv/bin/python bench/cluster_check.py inflight LOG1 LOG2       # which worker is sending

`check` reads RUN_DIR (events.json, accounts.json, posted.jsonl, sink.jsonl, locust_stats.csv,
locust_summary.json, web-*.access.log, worker-*.log) and the database of DATABASE_URL, then
prints: contacts saved against idempotency keys posted (lost, duplicated, double taps answered
alike); reminders written once per (kind, subject, due, recipient) and sent once (Reminder rows
against the sink's messages, SMTP-boundary re-sends after the worker kill counted apart); 5xx
answers; p50/p99 per page. Exits 1 when something was lost, duplicated or answered 5xx.

The pure functions (no database) are tested in tests/bench/test_cluster_check.py.
"""

from __future__ import annotations

import argparse
import ast
import csv
import datetime as dt
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# --- contacts: keys posted against rows saved --------------------------------------------------


@dataclass
class ContactVerdict:
    posts: int = 0  # POST requests sent (double taps and retries included)
    keys_posted: int = 0  # distinct idempotency keys
    keys_acknowledged: int = 0  # keys with at least one "saved" answer
    rows_saved: int = 0  # rows the bench mentors wrote during the run
    keys_saved: int = 0  # distinct posted keys with a row
    lost: int = 0  # acknowledged keys without a row
    unacknowledged_saved: int = 0  # no POST got an answer, but the row is there
    unacknowledged_missing: int = 0  # no answer and no row (the user would try again)
    duplicated: int = 0  # rows beyond one per key
    unexpected: int = 0  # rows by bench mentors with a key nobody posted (or none)
    answers_disagree: int = 0  # keys whose answers name different contacts, or not the row's
    by_mode: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.unexpected or self.answers_disagree)


def contacts_verdict(posts: list[dict], rows: list[tuple[int, str | None]]) -> ContactVerdict:
    """`posts`: posted.jsonl entries (key, status, contact, mode). `rows`: (id, key) of every
    contact the bench mentors saved during the run, plus any row carrying a posted key."""
    verdict = ContactVerdict(posts=len(posts))
    answers: dict[str, set] = defaultdict(set)
    modes: dict[str, str] = {}
    for post in posts:
        modes[post["key"]] = post.get("mode", "single")
        if post.get("contact"):
            answers[post["key"]].add(post["contact"])
        else:
            answers.setdefault(post["key"], set())
    verdict.keys_posted = len(answers)
    verdict.keys_acknowledged = sum(1 for ids in answers.values() if ids)
    verdict.by_mode = dict(Counter(modes.values()))
    rows_by_key: dict[str | None, list[int]] = defaultdict(list)
    for row_id, key in {(r[0], str(r[1]) if r[1] else None) for r in rows}:
        rows_by_key[key].append(row_id)
    verdict.rows_saved = sum(len(ids) for ids in rows_by_key.values())
    for key, ids in rows_by_key.items():
        if key is None or key not in answers:
            verdict.unexpected += len(ids)
        else:
            verdict.duplicated += len(ids) - 1
    for key, answered in answers.items():
        saved = rows_by_key.get(key, [])
        if saved:
            verdict.keys_saved += 1
        if answered and not saved:
            verdict.lost += 1
        elif not answered:
            if saved:
                verdict.unacknowledged_saved += 1
            else:
                verdict.unacknowledged_missing += 1
        if len(answered) > 1 or (answered and saved and answered != set(saved)):
            verdict.answers_disagree += 1
    return verdict


# --- reminders: rows marked sent against messages received -------------------------------------

LOG_LINK = re.compile(r"/my/pairings/(\d+)/log/")
RESIDENT_LINK = re.compile(r"/residents/(\d+)/")
COURSE_LINE = re.compile(r"^- (.+) expires on ", re.MULTILINE)


def email_items(subject: str, text: str) -> list[tuple[str, str]]:
    """(kind, target) of each item of a reminder email, as the recipient reads it.

    target: the pairing id for a mentor reminder (its log link), the resident id for an
    escalation or an urgent alert (the resident page link), the course name for training.
    """
    if subject.startswith("Urgent"):
        return [("urgent_concern", rid) for rid in RESIDENT_LINK.findall(text)]
    items = [("mentor_overdue", pid) for pid in LOG_LINK.findall(text)]
    items += [("manager_escalation", rid) for rid in RESIDENT_LINK.findall(text)]
    items += [("training_expiring", course) for course in COURSE_LINE.findall(text)]
    return items


@dataclass
class ReminderVerdict:
    rows_sent: int = 0  # Reminder rows marked sent during the run
    rows_pending: int = 0  # still owed at the end (unsent, not given up, due)
    messages: int = 0  # messages the sink received
    items_received: int = 0  # reminder items in them
    sent_once: int = 0  # rows matched by exactly one received item
    lost: int = 0  # rows marked sent that no message carried
    received_unmarked: int = 0  # delivered, row not marked sent yet (a claim still running)
    boundary_resends: int = 0  # delivered before the worker kill, sent again after the lease
    duplicated: int = 0  # any other item received more often than rows were sent
    written_twice: int = 0  # (kind, subject, due, recipient) groups with more than one row
    by_kind: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.written_twice or self.rows_pending)


def reminders_verdict(
    rows: list[dict],
    received: list[dict],
    *,
    kill_at: float | None = None,
    messages: int | None = None,
    written_twice: int = 0,
) -> ReminderVerdict:
    """`rows`: {"key": (email, kind, target), "sent": bool}; `received`: {"key", "at"} per item.

    Per key, received items are matched with rows marked sent; a surplus is first explained by
    rows still claimed (delivered, not yet marked), then, once per key, by the SMTP boundary when
    one copy arrived before the worker was killed and another after; anything else is duplicated.
    """
    verdict = ReminderVerdict(written_twice=written_twice)
    sent, pending = Counter(), Counter()
    for row in rows:
        (sent if row["sent"] else pending)[tuple(row["key"])] += 1
    times: dict[tuple, list[float]] = defaultdict(list)
    for item in received:
        times[tuple(item["key"])].append(item["at"])
    verdict.rows_sent, verdict.rows_pending = sum(sent.values()), sum(pending.values())
    verdict.items_received = len(received)
    verdict.messages = messages if messages is not None else len(received)
    verdict.by_kind = dict(Counter(key[1] for key in sent.elements()))
    for key in set(sent) | set(times):
        got, owed = len(times.get(key, [])), sent.get(key, 0)
        verdict.sent_once += min(got, owed)
        if owed > got:
            verdict.lost += owed - got
            continue
        surplus = got - owed
        unmarked = min(surplus, pending.get(key, 0))
        verdict.received_unmarked += unmarked
        surplus -= unmarked
        if surplus and kill_at is not None:
            before = [t for t in times[key] if t <= kill_at]
            after = [t for t in times[key] if t > kill_at]
            if before and after:
                verdict.boundary_resends += 1
                surplus -= 1
        verdict.duplicated += surplus
    # A pending row that was delivered is not "still owed" in the sense of lost.
    verdict.rows_pending -= verdict.received_unmarked
    return verdict


# --- worker logs and Locust's statistics ------------------------------------------------------

TASK_LINE = re.compile(
    r"Task (?P<name>[\w.]+)\[(?P<id>[0-9a-f-]+)\] (?P<what>received|succeeded|failed|raised"
    r"|retry)(?: in [\d.]+s: (?P<result>.*))?"
)


def inflight_tasks(log_text: str, name: str = "activity_log.tasks.send_reminders") -> set[str]:
    """Ids of `name` tasks a worker log shows received and not yet finished."""
    running: set[str] = set()
    for match in TASK_LINE.finditer(log_text):
        if match["name"] != name:
            continue
        if match["what"] == "received":
            running.add(match["id"])
        else:
            running.discard(match["id"])
    return running


def send_results(log_text: str) -> Counter:
    """Sum of the send task's results (emails, sent, dropped, ...) in a worker log."""
    total: Counter = Counter()
    for match in TASK_LINE.finditer(log_text):
        if match["name"].endswith("send_reminders") and match["result"]:
            try:
                result = ast.literal_eval(match["result"].strip())
            except (ValueError, SyntaxError):
                continue
            total.update({k: v for k, v in result.items() if isinstance(v, int)})
    return total


def page_stats(stats_csv: Path) -> list[dict]:
    """Name, requests, failures, p50 and p99 (ms) per request name from Locust's _stats.csv."""
    rows = []
    with open(stats_csv, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                continue
            rows.append(
                {
                    "name": f"{row['Type']} {row['Name']}",
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50": row["50%"],
                    "p99": row["99%"],
                    "rps": float(row["Requests/s"]),
                }
            )
    return rows


ACCESS_STATUS = re.compile(r'" (\d{3}) ')


def access_log_5xx(text: str) -> int:
    return sum(1 for status in ACCESS_STATUS.findall(text) if status.startswith("5"))


# --- the database side ------------------------------------------------------------------------


def load_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def reminder_key(reminder) -> tuple[str, str, str]:
    kind = reminder.kind
    if kind == "mentor_overdue":
        target = str(reminder.pairing_id)
    elif kind == "manager_escalation":
        target = str(reminder.pairing.resident_id)
    elif kind == "urgent_concern":
        target = str(reminder.contact.pairing.resident_id)
    else:
        target = reminder.training_record.course.name
    return (reminder.recipient.email.lower(), kind, target)


def database_facts(run_start: dt.datetime, setup: dict, keys: list[str]) -> dict:
    from django.db.models import Count, Q
    from django.utils import timezone

    from activity_log.models import ContactLog, Reminder

    # Every contact written during the run (nobody but the bench mentors writes any).
    contact_rows = set(
        ContactLog.objects.filter(id__gt=setup["contact_id_floor"])
        .order_by()
        .values_list("id", "idempotency_key")
    )
    for start in range(0, len(keys), 5000):
        contact_rows |= set(
            ContactLog.objects.filter(idempotency_key__in=keys[start : start + 5000])
            .order_by()
            .values_list("id", "idempotency_key")
        )
    now = timezone.now()
    reminders = (
        Reminder.objects.filter(
            Q(sent_at__gte=run_start)
            | Q(sent_at__isnull=True, failed_at__isnull=True, send_after__lte=now)
        )
        .select_related(
            "recipient",
            "pairing",
            "contact__pairing",
            "training_record__course",
        )
        .order_by()
    )
    rows = [{"key": reminder_key(r), "sent": r.sent_at is not None} for r in reminders]
    new = Reminder.objects.filter(id__gt=setup["reminder_id_floor"])
    written_twice = (
        new.values("kind", "subject_key", "due_at", "recipient")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    return {
        "contact_rows": sorted(contact_rows, key=lambda r: r[0]),
        "reminder_rows": rows,
        "written": new.count(),
        "written_by_kind": dict(new.values_list("kind").annotate(n=Count("id")).order_by()),
        "written_twice": written_twice,
        "failed_attempts": Reminder.objects.filter(created_at__gte=run_start, attempts__gt=0)
        .exclude(last_error="")
        .count(),
        "deferred": Reminder.objects.filter(
            sent_at__isnull=True, failed_at__isnull=True, send_after__gt=now
        ).count(),
    }


def check(out: Path) -> int:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from cluster_setup import setup_django

    setup_django()
    events = json.loads((out / "events.json").read_text())
    setup = json.loads((out / "accounts.json").read_text())
    accounts = setup["accounts"]
    mentors = [a["email"] for a in accounts if a["role"] == "mentor"]
    posts = load_jsonl(out / "posted.jsonl")
    keys = sorted({p["key"] for p in posts})
    run_start = dt.datetime.fromtimestamp(events["run_start"], tz=dt.UTC)
    facts = database_facts(run_start, setup, keys)

    contacts = contacts_verdict(posts, facts["contact_rows"])
    messages = load_jsonl(out / "sink.jsonl")
    received = [
        {"key": (m["to"].lower(), kind, target), "at": m["received_at"]}
        for m in messages
        for kind, target in email_items(m["subject"], m["text"])
    ]
    reminders = reminders_verdict(
        facts["reminder_rows"],
        received,
        kill_at=events.get("worker_killed_at"),
        messages=len(messages),
        written_twice=facts["written_twice"],
    )
    worker_logs = "".join(p.read_text() for p in sorted(out.glob("worker-*.log")))
    sends = send_results(worker_logs)
    summary_path = out / "locust_summary.json"
    locust = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    http_5xx = sum(v for k, v in locust.get("status", {}).items() if k == "5xx")
    access_5xx = sum(access_log_5xx(p.read_text()) for p in out.glob("web-*.access.log"))
    pages = page_stats(out / "locust_stats.csv")

    print("\n=== cluster run: verification ===")
    print(
        f"database {events.get('database')}; hosts {', '.join(events.get('hosts', []))}; "
        f"{len(mentors)} mentors + {len(accounts) - len(mentors)} managers; "
        f"locust {events.get('locust_seconds')} s"
    )
    for name in ("web_killed", "worker_killed"):
        if events.get(f"{name}_at"):
            offset = events[f"{name}_at"] - events["run_start"]
            print(f"{name.replace('_', ' ')} at +{offset:.0f} s: {events.get(name)}")
    c = contacts
    print(
        f"contacts: {c.posts} POSTs of {c.keys_posted} keys ({c.by_mode}); "
        f"{c.keys_acknowledged} acknowledged; {c.rows_saved} rows saved for {c.keys_saved} keys; "
        f"lost {c.lost}, duplicated {c.duplicated}, unexpected {c.unexpected}, "
        f"answers disagreeing {c.answers_disagree}; "
        f"never acknowledged: {c.unacknowledged_saved} saved, {c.unacknowledged_missing} not"
    )
    r = reminders
    print(
        f"reminders: {facts['written']} written during the run {facts['written_by_kind']}, "
        f"written twice {r.written_twice}; {r.rows_sent} marked sent {r.by_kind}; "
        f"sink: {r.messages} messages with {r.items_received} items"
    )
    print(
        f"reminders: sent once {r.sent_once}; lost {r.lost}; duplicated {r.duplicated}; "
        f"SMTP-boundary re-sends after the kill {r.boundary_resends}; delivered but not yet "
        f"marked {r.received_unmarked}; still owed {r.rows_pending}; "
        f"deferred (quiet hours/back-off) {facts['deferred']}; "
        f"rows with a failed attempt {facts['failed_attempts']}"
    )
    print(
        f"workers' send results: {sends.get('emails', 0)} emails, {sends.get('sent', 0)} "
        f"reminders, {sends.get('dropped', 0)} dropped as obsolete, "
        f"{sends.get('failed', 0)} failed"
    )
    print(
        f"http: 5xx {http_5xx} (locust), {access_5xx} (gunicorn access logs); status classes "
        f"{ {k: v for k, v in locust.get('status', {}).items() if ' ' not in k} }; "
        f"connection errors {locust.get('connection_errors', {})}; "
        f"users failed over {locust.get('failovers', {})}"
    )
    print(f"{'request':<40} {'count':>7} {'fail':>5} {'p50':>6} {'p99':>6} {'req/s':>6}")
    for page in pages:
        print(
            f"{page['name'][:40]:<40} {page['requests']:>7} {page['failures']:>5} "
            f"{page['p50']:>6} {page['p99']:>6} {page['rps']:>6.2f}"
        )
    start = events.get("cpu_seconds_at_start", {})
    # CPU spent under load: start-up (imports, migrations check, first connections) left out.
    cpu = {k: round(v - start.get(k, 0), 1) for k, v in events.get("cpu_seconds", {}).items()}
    if cpu:
        import time

        from django.contrib.auth.hashers import make_password

        # A sign-in hashes the password once (PBKDF2): CPU that page views do not pay.
        started = time.process_time()
        make_password("bench-cost-probe")
        hash_cpu = time.process_time() - started
        parts = [f"one password hash {1000 * hash_cpu:.0f} ms"]
        total_seconds = total_pages = 0.0
        for host in ("a", "b"):
            log = out / f"web-{host}.access.log"
            lines = log.read_text().splitlines() if log.exists() else []
            sign_ins = sum(1 for line in lines if '"POST /accounts/login/ ' in line)
            seconds = cpu.get(f"web-{host}", 0)
            pages = len(lines) - sign_ins
            page_seconds = max(seconds - sign_ins * hash_cpu, 0)
            total_seconds += page_seconds
            total_pages += pages
            per = f", {1000 * page_seconds / pages:.0f} ms per other request" if pages else ""
            parts.append(
                f"web-{host} {seconds} s for {len(lines)} requests ({sign_ins} sign-ins{per})"
            )
        if total_pages:
            parts.append(f"both hosts {1000 * total_seconds / total_pages:.1f} ms per request")
        emails = sends.get("emails", 0) or len(messages)
        workers = sum(cpu.get(f"worker-{n}", 0) for n in (1, 2))
        parts.append(f"workers {workers:.1f} s for {len(messages)} emails")
        parts += [f"{name} {cpu[name]} s" for name in ("beat", "locust") if name in cpu]
        print("CPU: " + "; ".join(parts) + f" (workers' own count: {emails} emails)")
    if events.get("load"):
        print("load average (1 min) during the run: " + ", ".join(events["load"]))
    verdict = {
        "contacts": asdict(contacts),
        "reminders": asdict(reminders),
        "http_5xx": http_5xx,
        "access_5xx": access_5xx,
        "pages": pages,
        "sends": dict(sends),
    }
    (out / "verdict.json").write_text(json.dumps(verdict, indent=1, default=str))
    ok = contacts.ok and reminders.ok and not http_5xx and not access_5xx
    print("RESULT: " + ("PASS" if ok else "FAIL") + " (details in verdict.json)")
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check").add_argument("--out", required=True, type=Path)
    sub.add_parser("inflight").add_argument("logs", type=Path, nargs="+")
    args = parser.parse_args()
    if args.command == "inflight":
        # The 1-based number of the first worker log with a send running, else 0.
        busy = [
            n
            for n, log in enumerate(args.logs, 1)
            if inflight_tasks(log.read_text(errors="replace"))
        ]
        print(busy[0] if busy else 0)
        return
    sys.exit(check(args.out))


if __name__ == "__main__":
    main()
