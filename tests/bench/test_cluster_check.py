"""bench/cluster_check.py: the verdicts of a cluster run, checked without the load."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from activity_log.models import Reminder
from activity_log.reminders.send import send_due_reminders
from matching.models import Pairing
from tests import factories as f
from tests.activity_log.contact_support import urgent_reminder

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from cluster_check import (  # noqa: E402
    access_log_5xx,
    contacts_verdict,
    inflight_tasks,
    page_stats,
    reminders_verdict,
    send_results,
    sent_messages,
    sent_rows,
    texts_written,
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

A = ("email", "<reminders-a@example.com>")
B = ("sms", "+12125550143")


def message(key, rows=1, kinds=None):
    return {"key": key, "rows": rows, "kinds": kinds or {"mentor_overdue": rows}}


def got(key, at):
    return {"key": key, "at": at}


def test_each_message_received_once_passes():
    verdict = reminders_verdict([message(A, 2), message(B)], [got(A, 1.0), got(B, 2.0)])
    assert verdict.ok
    assert (verdict.sent_once, verdict.lost, verdict.duplicated) == (2, 0, 0)
    assert (verdict.rows_sent, verdict.by_channel) == (3, {"email": 1, "sms": 1})


def test_a_message_marked_sent_that_never_arrived_is_lost():
    verdict = reminders_verdict([message(A), message(B)], [got(A, 1.0)])
    assert verdict.lost == 1
    assert not verdict.ok


def test_two_texts_to_one_number_need_two_deliveries():
    verdict = reminders_verdict([message(B), message(B)], [got(B, 1.0)])
    assert (verdict.sent_once, verdict.lost) == (1, 1)


def test_a_message_received_twice_is_a_duplicate():
    verdict = reminders_verdict([message(A)], [got(A, 1.0), got(A, 2.0)])
    assert verdict.duplicated == 1
    assert not verdict.ok


def test_a_resend_after_the_worker_kill_counts_as_the_smtp_boundary():
    """Delivered just before the kill, not marked sent; re-sent alike once the lease ran out."""
    verdict = reminders_verdict([message(A)], [got(A, 99.0), got(A, 400.0)], kill_at=100.0)
    assert (verdict.boundary_resends, verdict.duplicated) == (1, 0)
    assert verdict.ok


def test_an_unmarked_message_delivered_before_the_kill_is_the_boundary():
    """Its rows went again after the lease with other rows: another Message-ID, matched."""
    other = ("email", "<reminders-regrouped@example.com>")
    verdict = reminders_verdict(
        [message(other, 2)], [got(A, 99.0), got(other, 400.0)], kill_at=100.0
    )
    assert (verdict.sent_once, verdict.boundary_resends, verdict.duplicated) == (1, 1, 0)
    assert verdict.ok


def test_two_copies_after_the_kill_are_still_a_duplicate():
    verdict = reminders_verdict([message(A)], [got(A, 300.0), got(A, 400.0)], kill_at=100.0)
    assert (verdict.boundary_resends, verdict.duplicated) == (0, 1)


def test_a_message_nobody_marked_after_the_kill_is_a_duplicate():
    verdict = reminders_verdict([], [got(A, 300.0)], kill_at=100.0)
    assert verdict.duplicated == 1
    assert not verdict.ok


def test_a_delivery_whose_rows_are_still_claimed_is_not_a_duplicate_but_they_are_owed():
    verdict = reminders_verdict([], [got(A, 99.0)], rows_pending=2)
    assert (verdict.received_unmarked, verdict.duplicated, verdict.rows_pending) == (1, 0, 2)
    assert not verdict.ok  # still owed at the end


def test_rows_written_twice_fail_the_check():
    assert not reminders_verdict([], [], written_twice=1).ok


def test_texts_written_reads_the_file_backends_numbers(tmp_path, settings):
    from mentoring_site import sms

    settings.SMS_BACKEND = "mentoring_site.sms.backends.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    backend = sms.get_backend()
    backend.send(sms.TextMessage(to="+12125550143", body="Hi Sam, Rosa is due a check-in."))
    backend.send(sms.TextMessage(to="+12125550199", body="To: +1999 is not a header"))
    assert sorted(text["key"] for text in texts_written(tmp_path / "sms")) == [
        ("sms", "+12125550143"),
        ("sms", "+12125550199"),
    ]
    assert texts_written(tmp_path / "none") == []


@pytest.mark.django_db
def test_the_messages_rebuilt_from_the_rows_are_the_messages_sent(manager, house, mailoutbox):
    """Every kind and both channels, sent by the real sender in two batches: the messages that
    sent_messages() rebuilds from the database are exactly those delivered, once each."""
    from activity_log.reminders.emails import message_id
    from activity_log.reminders.scan import scan_overdue
    from mentoring_site import sms
    from mentoring_site.models import TextPreference

    now = dt.datetime(2026, 3, 10, 16, 0, tzinfo=dt.UTC)
    since = now - dt.timedelta(minutes=1)
    house.time_zone = "UTC"
    house.save()
    texting = f.ClearedMentorFactory()
    TextPreference.objects.create(
        user=texting.user, channel="both", phone="+12125550143", phone_verified_at=now
    )
    TextPreference.objects.create(
        user=manager, channel="text", phone="+12125550144", phone_verified_at=now
    )
    for mentor in (texting, f.ClearedMentorFactory()):
        pairing = f.PairingFactory(mentor=mentor, resident=f.ResidentFactory(house=house))
        Pairing.objects.filter(pk=pairing.pk).update(
            next_due_at=now - dt.timedelta(days=4), started_on=dt.date(2026, 1, 5)
        )
        f.ContactLogFactory(
            pairing=pairing,
            created_by=mentor.user,
            happened_at=now - dt.timedelta(days=20),
            follow_up="Ask how the interview went",
            follow_up_on=now.date(),
        )
    record = f.TrainingRecordFactory(
        mentor=texting, completed_on=dt.date(2024, 3, 30), expires_on=dt.date(2026, 3, 30)
    )
    f.ReminderFactory(
        kind="training_expiring",
        pairing=None,
        training_record=record,
        subject_key=f"training:{record.pk}",
        recipient=texting.user,
        send_after=now - dt.timedelta(hours=1),
    )
    scan_overdue(now, enqueue=False)
    urgent_reminder(manager, send_after=now - dt.timedelta(hours=1), house=house)
    kinds = set(Reminder.objects.values_list("kind", flat=True))
    assert {"mentor_overdue", "follow_up", "training_expiring", "urgent_concern"} <= kinds
    assert set(Reminder.objects.values_list("channel", flat=True)) == {"email", "sms"}

    first = send_due_reminders(now)
    # A second batch later, as a second worker would: rows written since go in messages of their own.
    urgent_reminder(manager, send_after=now, house=house)
    second = send_due_reminders(now + dt.timedelta(minutes=1))
    assert (first.emails, first.texts, second.emails) == (3, 2, 1)

    messages = sent_messages(sent_rows(since), message_id)
    received = [got(("email", m.extra_headers["Message-ID"]), 1.0) for m in mailoutbox]
    received += [got(("sms", text.to), 1.0) for text in sms.outbox]
    verdict = reminders_verdict(messages, received)
    assert verdict.ok
    assert verdict.sent_once == len(messages) == len(mailoutbox) + len(sms.outbox)
    assert verdict.rows_sent == Reminder.objects.filter(sent_at__isnull=False).count()
    assert verdict.by_channel == {"email": len(mailoutbox), "sms": len(sms.outbox)}

    # Without one delivery, that message is lost; delivered twice, a duplicate.
    assert reminders_verdict(messages, received[1:]).lost == 1
    assert reminders_verdict(messages, [*received, received[0]]).duplicated == 1


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
