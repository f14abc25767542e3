"""bench/cluster_check.py: the verdicts of a cluster run, checked without the load."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from activity_log.reminders.send import send_due_reminders
from matching.models import Pairing
from tests import factories as f
from tests.activity_log.contact_support import urgent_reminder

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from cluster_check import (  # noqa: E402
    access_log_5xx,
    contacts_verdict,
    email_items,
    inflight_tasks,
    page_stats,
    reminder_key,
    reminders_verdict,
    send_results,
)

K1, K2, K3 = (f"00000000-0000-4000-8000-00000000000{n}" for n in (1, 2, 3))


def post(key, contact, mode="single", status=302):
    return {"key": key, "contact": contact, "mode": mode, "status": status}


# --- contacts -----------------------------------------------------------------------------------


def test_a_double_tap_and_a_retry_that_saved_one_row_each_pass():
    posts = [
        post(K1, 11, "double_tap"),
        post(K1, 11, "double_tap"),
        post(K2, 12, "retry"),
        post(K2, 12, "retry"),
        post(K3, 13),
    ]
    verdict = contacts_verdict(posts, [(11, K1), (12, K2), (13, K3)])
    assert verdict.ok
    assert (verdict.posts, verdict.keys_posted, verdict.keys_saved) == (5, 3, 3)
    assert (verdict.lost, verdict.duplicated, verdict.answers_disagree) == (0, 0, 0)
    assert verdict.by_mode == {"double_tap": 1, "retry": 1, "single": 1}


def test_an_acknowledged_key_without_a_row_is_lost():
    verdict = contacts_verdict([post(K1, 11), post(K2, 12)], [(11, K1)])
    assert verdict.lost == 1
    assert not verdict.ok


def test_a_second_row_for_one_key_is_duplicated():
    verdict = contacts_verdict([post(K1, 11), post(K1, 11)], [(11, K1), (14, K1)])
    assert verdict.duplicated == 1
    assert not verdict.ok


def test_a_row_with_no_key_or_a_key_nobody_posted_is_unexpected():
    verdict = contacts_verdict([post(K1, 11)], [(11, K1), (15, None), (16, K3)])
    assert verdict.unexpected == 2
    assert not verdict.ok


def test_double_tap_answers_naming_two_contacts_disagree():
    verdict = contacts_verdict([post(K1, 11, "double_tap"), post(K1, 12, "double_tap")], [(11, K1)])
    assert verdict.answers_disagree == 1
    assert not verdict.ok


def test_posts_that_never_got_an_answer_are_counted_apart():
    # The host died with the request: saved or not, the user would send it again.
    posts = [post(K1, None, status=0), post(K2, None, status=0)]
    verdict = contacts_verdict(posts, [(11, K1)])
    assert (verdict.unacknowledged_saved, verdict.unacknowledged_missing) == (1, 1)
    assert verdict.lost == 0
    assert verdict.ok


# --- reminders against the sink ----------------------------------------------------------------

A = ("a@example.com", "mentor_overdue", "7")
B = ("b@example.com", "manager_escalation", "9")


def row(key, sent=True):
    return {"key": key, "sent": sent}


def got(key, at):
    return {"key": key, "at": at}


def test_each_sent_row_received_once_passes():
    verdict = reminders_verdict([row(A), row(B)], [got(A, 1.0), got(B, 2.0)])
    assert verdict.ok
    assert (verdict.sent_once, verdict.lost, verdict.duplicated) == (2, 0, 0)


def test_a_row_marked_sent_that_never_arrived_is_lost():
    verdict = reminders_verdict([row(A), row(B)], [got(A, 1.0)])
    assert verdict.lost == 1
    assert not verdict.ok


def test_an_item_received_twice_is_a_duplicate():
    verdict = reminders_verdict([row(A)], [got(A, 1.0), got(A, 2.0)])
    assert verdict.duplicated == 1
    assert not verdict.ok


def test_a_resend_after_the_worker_kill_counts_as_the_smtp_boundary():
    """Delivered just before the kill, not marked sent; re-sent once the lease ran out."""
    verdict = reminders_verdict([row(A)], [got(A, 99.0), got(A, 400.0)], kill_at=100.0)
    assert (verdict.boundary_resends, verdict.duplicated) == (1, 0)
    assert verdict.ok


def test_two_copies_after_the_kill_are_still_a_duplicate():
    verdict = reminders_verdict([row(A)], [got(A, 300.0), got(A, 400.0)], kill_at=100.0)
    assert (verdict.boundary_resends, verdict.duplicated) == (0, 1)


def test_a_delivered_row_still_claimed_is_neither_owed_nor_duplicated():
    verdict = reminders_verdict([row(A, sent=False), row(B, sent=False)], [got(A, 99.0)])
    assert (verdict.received_unmarked, verdict.rows_pending) == (1, 1)
    assert verdict.duplicated == 0
    assert not verdict.ok  # B is still owed


def test_rows_written_twice_fail_the_check():
    assert not reminders_verdict([], [], written_twice=1).ok


@pytest.mark.django_db
def test_the_items_read_from_real_emails_match_the_rows_sent(manager, house, mailoutbox):
    """email_items reads back exactly what reminder_key says about each row sent."""
    now = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
    pairings = [f.PairingFactory(resident=f.ResidentFactory(house=house)) for _ in range(2)]
    rows = []
    for pairing in pairings:
        due_at = now - dt.timedelta(days=4)
        Pairing.objects.filter(pk=pairing.pk).update(next_due_at=due_at)
        for kind, recipient in (
            ("mentor_overdue", pairing.mentor.user),
            ("manager_escalation", manager),
        ):
            rows.append(
                f.ReminderFactory(
                    kind=kind,
                    pairing=pairing,
                    due_at=due_at,
                    recipient=recipient,
                    send_after=now - dt.timedelta(hours=1),
                )
            )
    record = f.TrainingRecordFactory(
        mentor=pairings[0].mentor,
        completed_on=dt.date(2024, 3, 30),
        expires_on=dt.date(2026, 3, 30),
    )
    rows.append(
        f.ReminderFactory(
            kind="training_expiring",
            pairing=None,
            training_record=record,
            subject_key=f"training:{record.pk}",
            recipient=pairings[0].mentor.user,
            send_after=now - dt.timedelta(hours=1),
        )
    )
    rows.append(urgent_reminder(manager, send_after=now - dt.timedelta(hours=1), house=house))

    assert send_due_reminders(now).sent == len(rows)

    received = sorted(
        (message.to[0].lower(), kind, target)
        for message in mailoutbox
        for kind, target in email_items(message.subject, message.body)
    )
    assert received == sorted(reminder_key(reminder) for reminder in rows)


# --- logs and statistics -----------------------------------------------------------------------

WORKER_LOG = """\
[2026-11-29 17:00:01,000: INFO/MainProcess] Task activity_log.tasks.send_reminders[aaaa-1] received
[2026-11-29 17:00:01,100: INFO/MainProcess] Task activity_log.tasks.scan_overdue_task[bbbb-2] received
[2026-11-29 17:00:02,000: INFO/ForkPoolWorker-1] Task activity_log.tasks.send_reminders[aaaa-1] succeeded in 0.9s: {'claimed': 3, 'emails': 2, 'sent': 3, 'failed': 0, 'gave_up': 0, 'deferred': 0, 'dropped': 1}
[2026-11-29 17:01:01,000: INFO/MainProcess] Task activity_log.tasks.send_reminders[cccc-3] received
"""


def test_a_send_received_and_not_finished_is_in_flight():
    assert inflight_tasks(WORKER_LOG) == {"cccc-3"}
    assert inflight_tasks(WORKER_LOG.rsplit("\n", 2)[0]) == set()


def test_the_send_results_of_a_worker_log_add_up():
    totals = send_results(WORKER_LOG + WORKER_LOG.replace("aaaa-1", "dddd-4"))
    assert (totals["emails"], totals["sent"], totals["dropped"]) == (4, 6, 2)


def test_page_stats_reads_p50_and_p99_per_request_name(tmp_path):
    stats = tmp_path / "locust_stats.csv"
    stats.write_text(
        "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
        "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
        "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
        "GET,mentor: my mentees,120,0,40,45,20,300,9000,2.0,0.0,40,44,48,50,60,80,120,200,"
        "290,300,300\n"
        ",Aggregated,120,0,40,45,20,300,9000,2.0,0.0,40,44,48,50,60,80,120,200,290,300,300\n"
    )
    assert page_stats(stats) == [
        {
            "name": "GET mentor: my mentees",
            "requests": 120,
            "failures": 0,
            "p50": "40",
            "p99": "200",
            "rps": 2.0,
        }
    ]


def test_5xx_lines_of_a_gunicorn_access_log_are_counted():
    log = (
        '127.1.0.1 - - [29/Nov/2026:17:00:00 +0000] "GET /my/ HTTP/1.1" 200 9000 "-" "x"\n'
        '127.1.0.2 - - [29/Nov/2026:17:00:01 +0000] "GET /dashboard/ HTTP/1.1" 502 0 "-" "x"\n'
        '127.1.0.3 - - [29/Nov/2026:17:00:02 +0000] "POST /my/pairings/5/log/ HTTP/1.1" 302 0 "-" "x"\n'
    )
    assert access_log_5xx(log) == 1
