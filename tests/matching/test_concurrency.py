"""Capacity and uniqueness hold when several managers pair at the same moment (PostgreSQL only).

Each thread has its own database connection. A short sleep inside the locked section (in the
clearance check, after the friendly pre-checks) makes every request overlap: without the mentor
row lock, all of them would count the same free place and succeed.
"""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from matching import services
from matching.models import Pairing
from mentors.models import Mentor
from tests import factories as f

THREADS = 5


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL row locks: SQLite ignores SELECT ... FOR UPDATE and serialises "
            "writers, so the race cannot happen there (CI runs these on PostgreSQL)"
        )


@pytest.fixture
def slow_clearance(monkeypatch):
    original = Mentor.clearance

    def slow(self, today=None):
        time.sleep(0.2)
        return original(self, today)

    monkeypatch.setattr(Mentor, "clearance", slow)


def run_together(jobs) -> list[str]:
    """Starts every job at the same instant, each in its own thread and connection."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(job):
        try:
            barrier.wait()
            job()
            outcome = "ok"
        except ValidationError as exc:
            outcome = " ".join(exc.messages)
        except Exception as exc:  # noqa: BLE001 - a crash must show in the assertion
            outcome = f"crash: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_one_place_left_goes_to_exactly_one_of_several_managers(
    transactional_db, house, manager, slow_clearance
):
    mentor = f.ClearedMentorFactory(capacity=2)
    f.PairingFactory(mentor=mentor, resident__house=house)
    residents = [f.ResidentFactory(house=house) for _ in range(THREADS)]

    def pair(resident):
        return lambda: services.pairing_create(resident=resident, mentor=mentor, created_by=manager)

    outcomes = run_together([pair(r) for r in residents])

    assert outcomes.count("ok") == 1, outcomes
    assert all("no free place" in o for o in outcomes if o != "ok"), outcomes
    assert Pairing.objects.filter(mentor=mentor, status="active").count() == 2


def test_one_resident_gets_exactly_one_of_several_mentors(
    transactional_db, house, manager, slow_clearance
):
    resident = f.ResidentFactory(house=house)
    mentors = [f.ClearedMentorFactory() for _ in range(THREADS)]

    def pair(mentor):
        return lambda: services.pairing_create(resident=resident, mentor=mentor, created_by=manager)

    outcomes = run_together([pair(m) for m in mentors])

    assert outcomes.count("ok") == 1, outcomes
    assert all(o == "This resident already has a mentor." for o in outcomes if o != "ok"), outcomes
    assert Pairing.objects.filter(resident=resident).count() == 1
