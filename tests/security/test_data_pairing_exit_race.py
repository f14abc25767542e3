"""A pairing made at the moment the resident leaves never leaves an exited resident paired.

`pairing_create` locks the resident row (as `resident_exit` does), so either the pairing sees
the exit and is refused, or it commits first and the exit's signal ends it. The threaded tests
need PostgreSQL row locks; the stale-form test runs everywhere.
"""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from matching import services
from matching.models import Pairing
from mentors.models import Mentor
from residents import services as resident_services
from residents.models import Resident
from tests import factories as f

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks: SQLite ignores SELECT ... FOR UPDATE and serialises "
    "writers, so the race cannot happen there (CI runs these on PostgreSQL)",
)


def _exit(resident, manager):
    resident_services.resident_exit(
        resident=Resident.objects.get(pk=resident.pk),
        status=Resident.Status.MOVED_OUT,
        exit_date=timezone.localdate(),
        reason="",
        user=manager,
    )


def _run(jobs: dict[str, tuple[float, object]]) -> dict[str, str]:
    """Each job (delay, callable) in its own thread and connection; outcome by job name."""
    outcomes: dict[str, str] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(len(jobs))

    def worker(name, delay, job):
        try:
            barrier.wait()
            time.sleep(delay)
            job()
            outcome = "ok"
        except ValidationError as exc:
            outcome = " ".join(exc.messages)
        except Exception as exc:  # noqa: BLE001 - a crash must show in the assertion
            outcome = f"crash: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes[name] = outcome

    threads = [threading.Thread(target=worker, args=(name, *job)) for name, job in jobs.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _no_exited_resident_is_paired(resident, exit_outcome: str, pairing_outcome: str) -> None:
    """The exit always succeeds; the pairing either was refused cleanly or was ended by the exit.
    (Which one depends on who got the resident row first; on a loaded machine either can.)"""
    assert exit_outcome == "ok", exit_outcome
    resident.refresh_from_db()
    assert resident.status == Resident.Status.MOVED_OUT
    assert not Pairing.objects.open().filter(resident=resident).exists()
    if pairing_outcome == "ok":
        pairing = Pairing.objects.get(resident=resident)
        assert pairing.end_reason == Pairing.EndReason.RESIDENT_LEFT
    else:
        assert "no longer living in the house" in pairing_outcome, pairing_outcome
        assert not Pairing.objects.filter(resident=resident).exists()


@postgres_only
def test_an_exit_while_a_pairing_is_being_made_ends_that_pairing(
    transactional_db, house, manager, monkeypatch
):
    resident = f.ResidentFactory(house=house)
    mentor = f.ClearedMentorFactory()
    original = Mentor.clearance

    def slow(self, today=None):
        time.sleep(0.4)  # inside pairing_create's locked section
        return original(self, today)

    monkeypatch.setattr(Mentor, "clearance", slow)
    # The manager's pairing page loaded the resident while they still lived here.
    stale = Resident.objects.get(pk=resident.pk)

    outcomes = _run(
        {
            "pair": (
                0,
                lambda: services.pairing_create(resident=stale, mentor=mentor, created_by=manager),
            ),
            "exit": (0.1, lambda: _exit(resident, manager)),
        }
    )

    # Usually the pairing holds the resident row first, commits, and the exit then ends it.
    _no_exited_resident_is_paired(resident, outcomes["exit"], outcomes["pair"])


@postgres_only
def test_a_pairing_started_while_an_exit_is_saving_is_refused(
    transactional_db, house, manager, monkeypatch
):
    resident = f.ResidentFactory(house=house)
    mentor = f.ClearedMentorFactory()
    original_full_clean = Resident.full_clean

    def slow_full_clean(self, *args, **kwargs):
        time.sleep(0.4)  # inside resident_exit's locked section
        return original_full_clean(self, *args, **kwargs)

    monkeypatch.setattr(Resident, "full_clean", slow_full_clean)
    original_clearance = Mentor.clearance

    def slow_clearance(self, today=None):
        time.sleep(0.6)  # the pairing would commit after the exit has committed and signalled
        return original_clearance(self, today)

    monkeypatch.setattr(Mentor, "clearance", slow_clearance)
    stale = Resident.objects.get(pk=resident.pk)

    outcomes = _run(
        {
            "exit": (0, lambda: _exit(resident, manager)),
            "pair": (
                0.1,
                lambda: services.pairing_create(resident=stale, mentor=mentor, created_by=manager),
            ),
        }
    )

    # Usually the exit holds the resident row first, and the pairing then sees it and is refused.
    _no_exited_resident_is_paired(resident, outcomes["exit"], outcomes["pair"])


@pytest.mark.django_db
def test_pairing_create_refuses_a_resident_who_left_even_from_a_stale_page(house, manager):
    resident = f.ResidentFactory(house=house)
    mentor = f.ClearedMentorFactory()
    stale = Resident.objects.get(pk=resident.pk)
    _exit(resident, manager)

    with pytest.raises(ValidationError, match="no longer living in the house"):
        services.pairing_create(resident=stale, mentor=mentor, created_by=manager)
    assert not Pairing.objects.filter(resident=resident).exists()


@pytest.mark.django_db
def test_pairing_create_refuses_a_resident_who_is_not_active(house, manager):
    resident = f.ResidentFactory(
        house=house, status=Resident.Status.GRADUATED, exit_date=timezone.localdate()
    )
    with pytest.raises(ValidationError, match="no longer living in the house"):
        services.pairing_create(
            resident=resident, mentor=f.ClearedMentorFactory(), created_by=manager
        )
