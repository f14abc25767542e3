"""Each automatic trigger creates one request, and a link saves one answer, when several
processes run at the same moment (PostgreSQL only, threads with their own connections, in the
style of tests/matching/test_concurrency.py). A short sleep between each caller's check and
its insert makes every caller pass the check before any inserts: only the database's unique
constraint (or the compare-and-set claim) can then keep it to one."""

import contextlib
import datetime as dt
import time

import pytest
from django.db import connection
from django.db.models.query import QuerySet
from django.utils import timezone

from activity_log.feedback import services
from activity_log.feedback.models import FeedbackRequest, FeedbackResponse
from activity_log.models import ContactLog
from tests.activity_log.feedback.support import issued_link, pairing_in
from tests.matching.test_concurrency import run_together

THREADS = 5


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite serialises writers, so the race cannot happen there "
            "(CI runs these on PostgreSQL)"
        )


@pytest.fixture
def slow_check(monkeypatch):
    original = services._successful_contacts

    def slow(pairing_id):
        found = original(pairing_id)
        time.sleep(0.2)
        return found

    monkeypatch.setattr(services, "_successful_contacts", slow)


def _contacts(pairing, n):
    for hours in range(n):
        ContactLog.objects.create(
            pairing=pairing,
            created_by=pairing.mentor.user,
            happened_at=timezone.now() - dt.timedelta(hours=hours + 1),
        )


def test_the_fourth_contact_asks_once_when_contacts_commit_together(
    transactional_db, house, mentor, slow_check
):
    pairing = pairing_in(house, mentor)
    _contacts(pairing, 4)
    outcomes = run_together(
        [lambda: services.feedback_after_contact(pairing_id=pairing.pk)] * THREADS
    )
    assert outcomes == ["ok"] * THREADS, outcomes
    assert FeedbackRequest.objects.filter(trigger="fourth_contact").count() == 1


def test_a_pairing_end_asks_once_when_handled_twice_at_once(
    transactional_db, house, mentor, slow_check
):
    pairing = pairing_in(house, mentor)
    _contacts(pairing, 1)
    outcomes = run_together(
        [lambda: services.feedback_after_pairing_ended(pairing=pairing)] * THREADS
    )
    assert outcomes == ["ok"] * THREADS, outcomes
    assert FeedbackRequest.objects.filter(trigger="pairing_ended").count() == 1


def test_two_beats_running_the_90_day_scan_at_once_ask_once(
    transactional_db, house, mentor, monkeypatch
):
    pairings = [pairing_in(house, mentor, days_ago=100) for _ in range(3)]
    original = QuerySet.bulk_create

    def slow_bulk_create(self, objs, *args, **kwargs):
        time.sleep(0.2)  # every scan has read "nothing yet" before any inserts
        return original(self, objs, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", slow_bulk_create)
    outcomes = run_together([services.feedback_requests_scan] * THREADS)
    assert outcomes == ["ok"] * THREADS, outcomes
    assert FeedbackRequest.objects.filter(trigger="every_90_days").count() == len(pairings)


def test_one_link_submitted_several_times_at_once_saves_one_answer(transactional_db, house, mentor):
    pairing = pairing_in(house, mentor)
    _, token = issued_link(pairing)

    def submit():
        with contextlib.suppress(services.LinkGone):
            services.feedback_submit(
                token=token, shows_up=3, listens=3, helps_goals=3, wants_new_mentor=False
            )

    outcomes = run_together([submit] * THREADS)
    assert outcomes == ["ok"] * THREADS, outcomes
    assert FeedbackResponse.objects.count() == 1
