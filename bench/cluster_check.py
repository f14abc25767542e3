"""Verifies a bench/cluster.sh run against the database and the SMTP sink, and prints the summary.

    .venv/bin/python bench/cluster_check.py check --out RUN_DIR      # after the run
    .venv/bin/python bench/cluster_check.py inflight LOG1 LOG2       # which worker is sending

`check` reads RUN_DIR (events.json, accounts.json, posted.jsonl, sink.jsonl, sms/,
locust_stats.csv, locust_summary.json, web-*.access.log, worker-*.log) and the database of
DATABASE_URL, then prints: contacts saved against idempotency keys posted (lost, duplicated,
double taps answered alike); reminders written once per (kind, subject, due, recipient, channel)
and sent once (the messages the rows marked sent make, by Message-ID for emails and by number for
texts, against the sink's emails and the SMS backend's files; SMTP-boundary re-sends after the
worker kill counted apart); 5xx answers; p50/p99 per page. Exits 1 when something was lost,
duplicated, still owed or answered 5xx.

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


# --- reminders: messages marked sent against messages received ---------------------------------

URGENT = "urgent_concern"


def sent_messages(rows: list[dict], email_id) -> list[dict]:
    """The messages the senders made, rebuilt from the Reminder rows marked sent.

    `rows`: {"id", "kind", "channel", "recipient", "resident", "sent_at", "number"} per row
    marked sent. A sender marks the rows of one message together with its batch's time, and
    makes one message per (recipient, channel, urgent or not, resident row) in a batch
    (activity_log/reminders/send.py), so rows grouped that way are one message each. Its key is
    what the receiving side sees: ("email", Message-ID), derived from the rows' ids by
    `email_id` (emails.message_id), or ("sms", number) for a text.
    """
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        urgent = row["kind"] == URGENT
        key = (row["recipient"], row["channel"], row["sent_at"], urgent, row["resident"])
        groups[key].append(row)
    messages = []
    for group in groups.values():
        first = group[0]
        if first["channel"] == "email":
            key = ("email", email_id([row["id"] for row in group]))
        else:
            key = ("sms", first["number"])
        kinds = Counter(row["kind"] for row in group)
        messages.append({"key": key, "rows": len(group), "kinds": dict(kinds)})
    return messages


@dataclass
class ReminderVerdict:
    rows_sent: int = 0  # Reminder rows marked sent during the run
    rows_pending: int = 0  # still owed at the end (unsent, not given up, due)
    messages_marked: int = 0  # messages those rows make (emails and texts)
    messages_received: int = 0  # emails the sink received and texts the SMS backend wrote
    sent_once: int = 0  # messages marked sent and received exactly once
    lost: int = 0  # marked sent, never received
    received_unmarked: int = 0  # received, rows not marked yet while some are still owed
    boundary_resends: int = 0  # delivered before the worker kill, its rows sent again after
    duplicated: int = 0  # any other message received more often than it was marked sent
    written_twice: int = 0  # (kind, subject, due, recipient, channel) groups with two rows
    by_kind: dict = field(default_factory=dict)  # rows marked sent, per kind
    by_channel: dict = field(default_factory=dict)  # messages marked sent, per channel

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.written_twice or self.rows_pending)


def reminders_verdict(
    messages: list[dict],
    received: list[dict],
    *,
    kill_at: float | None = None,
    rows_pending: int = 0,
    written_twice: int = 0,
) -> ReminderVerdict:
    """`messages`: sent_messages(); `received`: {"key", "at"} per message delivered.

    Per key, deliveries are matched with messages marked sent. A surplus is explained by the
    at-least-once boundary when the worker was killed: a copy delivered before the kill whose
    rows the dying worker never marked, sent again after the claim lease (the same Message-ID
    when the rows are regrouped alike, else a Message-ID no marked message has), counted apart.
    While rows are still owed, a delivery no marked message explains is "received, not yet
    marked"; anything else is duplicated.
    """
    verdict = ReminderVerdict(written_twice=written_twice, rows_pending=rows_pending)
    sent = Counter(message["key"] for message in messages)
    kinds: Counter = Counter()
    for message in messages:
        kinds.update(message["kinds"])
    times: dict[tuple, list[float]] = defaultdict(list)
    for item in received:
        times[tuple(item["key"])].append(item["at"])
    verdict.rows_sent = sum(message["rows"] for message in messages)
    verdict.messages_marked = len(messages)
    verdict.messages_received = len(received)
    verdict.by_kind = dict(kinds)
    verdict.by_channel = dict(Counter(key[0] for key in sent.elements()))
    unexplained_pending = rows_pending
    for key in set(sent) | set(times):
        got, owed = len(times.get(key, [])), sent.get(key, 0)
        verdict.sent_once += min(got, owed)
        if owed > got:
            verdict.lost += owed - got
            continue
        surplus = got - owed
        if surplus and kill_at is not None:
            before = sum(1 for at in times[key] if at <= kill_at)
            # owed == 0: nobody marked this message sent; a copy delivered before the kill is
            # the killed worker's, whose rows went again (and are matched) in another message.
            # Otherwise one copy before the kill and one after: the same rows regrouped alike.
            boundary = min(surplus, before) if owed == 0 else int(bool(before and got - before))
            verdict.boundary_resends += boundary
            surplus -= boundary
        if surplus and owed == 0 and unexplained_pending:
            unmarked = min(surplus, unexplained_pending)
            verdict.received_unmarked += unmarked
            unexplained_pending -= unmarked
            surplus -= unmarked
        verdict.duplicated += surplus
    return verdict


def texts_written(folder: Path) -> list[dict]:
    """{"key": ("sms", number), "at"} per text the file SMS backend wrote into `folder`."""
    texts = []
    for path in sorted(folder.glob("*.txt")) if folder.is_dir() else []:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("To: "):
                texts.append({"key": ("sms", line[4:].strip()), "at": path.stat().st_mtime})
                break
    return texts


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


def sent_rows(since: dt.datetime) -> list[dict]:
    """The Reminder rows marked sent since `since`, as sent_messages() takes them."""
    from activity_log.models import Reminder
    from mentoring_site.sms.phone import e164_or_none
    from mentoring_site.sms.preferences import text_numbers
    from residents.models import Resident

    rows = list(
        Reminder.objects.filter(sent_at__gte=since)
        .order_by("id")
        .values("id", "kind", "channel", "recipient_id", "resident_id", "sent_at")
    )
    texted = {row["recipient_id"] for row in rows if row["channel"] == "sms"}
    numbers = text_numbers(texted) if texted else {}
    residents = {row["resident_id"] for row in rows if row["resident_id"]}
    resident_numbers = {
        pk: e164_or_none(phone)
        for pk, phone in Resident.objects.filter(pk__in=residents).values_list("pk", "phone")
    }
    return [
        {
            "id": row["id"],
            "kind": row["kind"],
            "channel": row["channel"],
            "recipient": row["recipient_id"],
            "resident": row["resident_id"],
            "sent_at": row["sent_at"],
            "number": resident_numbers.get(row["resident_id"])
            if row["resident_id"]
            else numbers.get(row["recipient_id"]),
        }
        for row in rows
    ]


def database_facts(run_start: dt.datetime, setup: dict, keys: list[str]) -> dict:
    from django.db.models import Count
    from django.utils import timezone

    from activity_log.models import ContactLog, Reminder
    from activity_log.reminders.emails import message_id

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
    messages = sent_messages(sent_rows(run_start), message_id)
    pending = Reminder.objects.filter(
        sent_at__isnull=True, failed_at__isnull=True, send_after__lte=now
    ).count()
    new = Reminder.objects.filter(id__gt=setup["reminder_id_floor"])
    written_twice = (
        new.values("kind", "subject_key", "due_at", "recipient", "channel")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    return {
        "contact_rows": sorted(contact_rows, key=lambda r: r[0]),
        "messages": messages,
        "pending": pending,
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
    texts = texts_written(out / "sms")
    received = [
        {"key": ("email", m["message_id"]), "at": m["received_at"]} for m in messages
    ] + texts
    reminders = reminders_verdict(
        facts["messages"],
        received,
        kill_at=events.get("worker_killed_at"),
        rows_pending=facts["pending"],
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
        f"written twice {r.written_twice}; {r.rows_sent} marked sent {r.by_kind} in "
        f"{r.messages_marked} messages {r.by_channel}; received: {len(messages)} emails "
        f"(SMTP sink), {len(texts)} texts (SMS files)"
    )
    print(
        f"reminder messages: sent once {r.sent_once}; lost {r.lost}; duplicated {r.duplicated}; "
        f"SMTP-boundary re-sends after the kill {r.boundary_resends}; delivered but not yet "
        f"marked {r.received_unmarked}; rows still owed {r.rows_pending}; "
        f"deferred (quiet hours/back-off) {facts['deferred']}; "
        f"rows with a failed attempt {facts['failed_attempts']}"
    )
    print(
        f"workers' send results: {sends.get('emails', 0)} emails, {sends.get('texts', 0)} "
        f"texts, {sends.get('sent', 0)} "
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
