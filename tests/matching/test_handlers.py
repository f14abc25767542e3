"""matching reacts to residents' and mentors' events (both sides: the signal is sent for real)."""

import datetime as dt

import pytest
from django.utils import timezone

from matching.models import Pairing
from mentors.models import Mentor
from mentors.signals import mentor_unavailable
from residents.models import Resident
from residents.signals import resident_exited
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_resident_exit_ends_the_open_pairing_with_reason_resident_left(house, mentor):
    pairing = f.PairingFactory(mentor=mentor, resident__house=house)
    resident = pairing.resident
    exit_date = timezone.localdate() - dt.timedelta(days=1)
    Resident.objects.filter(pk=resident.pk).update(status="moved_out", exit_date=exit_date)
    resident_exited.send(
        sender=Resident, resident=resident, exit_date=exit_date, status="moved_out"
    )
    pairing.refresh_from_db()
    assert pairing.status == Pairing.Status.ENDED
    assert pairing.end_reason == Pairing.EndReason.RESIDENT_LEFT
    assert pairing.ended_on == exit_date
    assert pairing.next_due_at is None


def test_resident_exit_also_ends_a_paused_pairing(house, mentor):
    pairing = f.PairingFactory(mentor=mentor, resident__house=house, status="paused")
    resident_exited.send(
        sender=Resident,
        resident=pairing.resident,
        exit_date=timezone.localdate(),
        status="graduated",
    )
    pairing.refresh_from_db()
    assert pairing.status == Pairing.Status.ENDED


def test_resident_exit_leaves_other_residents_and_past_pairings_alone(house, mentor):
    other = f.PairingFactory(mentor=mentor, resident__house=house)
    leaving = f.ResidentFactory(house=house)
    resident_exited.send(
        sender=Resident, resident=leaving, exit_date=timezone.localdate(), status="discharged"
    )
    other.refresh_from_db()
    assert other.status == Pairing.Status.ACTIVE


def test_mentor_unavailable_pauses_active_pairings_and_marks_them(house, mentor):
    pairings = [f.PairingFactory(mentor=mentor, resident__house=house) for _ in range(2)]
    ended = f.PairingFactory(
        mentor=mentor,
        resident__house=house,
        status="ended",
        ended_on=timezone.localdate(),
        end_reason="completed",
    )
    Mentor.objects.filter(pk=mentor.pk).update(status=Mentor.Status.ON_BREAK)
    mentor_unavailable.send(sender=Mentor, mentor=mentor, status=Mentor.Status.ON_BREAK)
    for pairing in pairings:
        pairing.refresh_from_db()
        assert pairing.status == Pairing.Status.PAUSED
        assert pairing.pause_reason == Pairing.PauseReason.MENTOR_UNAVAILABLE
        assert pairing.paused_on == timezone.localdate()
        assert pairing.next_due_at is None
    ended.refresh_from_db()
    assert ended.status == Pairing.Status.ENDED


def test_mentor_unavailable_puts_their_residents_at_the_top_of_the_queue(house, mentor, manager):
    from matching.selectors import waiting_queue

    long_waiting = f.ResidentFactory(
        house=house, move_in_date=timezone.localdate() - dt.timedelta(days=200)
    )
    pairing = f.PairingFactory(mentor=mentor, resident__house=house)
    mentor_unavailable.send(sender=Mentor, mentor=mentor, status=Mentor.Status.RETIRED)
    queue = list(waiting_queue(manager))
    assert [r.pk for r in queue] == [pairing.resident_id, long_waiting.pk]
    assert queue[0].mentor_unavailable_since == timezone.localdate()
    assert queue[1].mentor_unavailable_since is None


def test_a_pairing_ended_by_a_manager_a_moment_before_the_exit_is_left_alone(
    house, mentor, monkeypatch
):
    from matching import services

    pairing = f.PairingFactory(mentor=mentor, resident__house=house)
    # The handler read the open pairing just before a manager ended it.
    stale = Pairing.objects.filter(pk=pairing.pk)
    monkeypatch.setattr(Pairing.objects, "open", lambda: stale)
    services.pairing_end(pairing=pairing, reason=Pairing.EndReason.COMPLETED)
    resident_exited.send(
        sender=Resident,
        resident=pairing.resident,
        exit_date=timezone.localdate(),
        status="moved_out",
    )
    pairing.refresh_from_db()
    assert pairing.end_reason == Pairing.EndReason.COMPLETED
