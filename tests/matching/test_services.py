"""The pairing services: every one checks its rules and recomputes next_due_at."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from matching import services
from matching.checkins import due_after
from matching.models import Pairing
from mentors.models import Mentor
from residents.models import Resident
from tests import factories as f

pytestmark = pytest.mark.django_db


def expected_due(pairing: Pairing) -> dt.datetime:
    pairing.refresh_from_db()
    return pairing.next_due()


@pytest.fixture
def resident(house):
    return f.ResidentFactory(house=house)


def test_create_pairs_an_active_resident_with_a_cleared_mentor(resident, mentor, manager):
    pairing = services.pairing_create(resident=resident, mentor=mentor, created_by=manager)
    pairing.refresh_from_db()
    assert pairing.status == Pairing.Status.ACTIVE
    assert pairing.started_on == timezone.localdate()
    assert pairing.created_by == manager
    assert pairing.checkin_interval_days == 7
    assert pairing.next_due_at == pairing.next_due()
    assert pairing.next_due_at == due_after(pairing.started_at(), 7, pairing.resident.house.zone)


def test_create_uses_the_program_default_interval(resident, mentor, manager, settings):
    settings.CHECKIN_INTERVAL_DEFAULT_DAYS = 10
    pairing = services.pairing_create(resident=resident, mentor=mentor, created_by=manager)
    assert pairing.checkin_interval_days == 10
    assert pairing.next_due_at == due_after(pairing.started_at(), 10, pairing.resident.house.zone)


def test_create_refuses_an_uncleared_mentor(resident, manager):
    applicant = f.MentorFactory()
    with pytest.raises(ValidationError, match="not cleared"):
        services.pairing_create(resident=resident, mentor=applicant, created_by=manager)
    assert not Pairing.objects.exists()


def test_create_refuses_a_mentor_with_expired_training(resident, manager):
    mentor = f.ClearedMentorFactory(trained=False)
    f.complete_required_training(mentor, on=timezone.localdate() - dt.timedelta(days=3000))
    with pytest.raises(ValidationError, match="expired|not completed"):
        services.pairing_create(resident=resident, mentor=mentor, created_by=manager)
    assert not Pairing.objects.exists()


def test_create_refuses_a_full_mentor(house, manager):
    mentor = f.ClearedMentorFactory(capacity=1)
    f.PairingFactory(mentor=mentor, resident__house=house)
    with pytest.raises(ValidationError, match=r"no free place \(1 of 1 taken\)"):
        services.pairing_create(
            resident=f.ResidentFactory(house=house), mentor=mentor, created_by=manager
        )
    assert Pairing.objects.count() == 1


def test_paused_and_ended_pairings_do_not_take_a_place(house, manager):
    mentor = f.ClearedMentorFactory(capacity=1)
    f.PairingFactory(mentor=mentor, status=Pairing.Status.PAUSED, resident__house=house)
    f.PairingFactory(
        mentor=mentor,
        status=Pairing.Status.ENDED,
        ended_on=timezone.localdate(),
        end_reason=Pairing.EndReason.COMPLETED,
        resident__house=house,
    )
    services.pairing_create(
        resident=f.ResidentFactory(house=house), mentor=mentor, created_by=manager
    )
    assert Pairing.objects.active().filter(mentor=mentor).count() == 1


def test_create_refuses_a_resident_who_already_has_a_mentor(resident, mentor, mentor2, manager):
    services.pairing_create(resident=resident, mentor=mentor, created_by=manager)
    with pytest.raises(ValidationError, match="already has a mentor"):
        services.pairing_create(resident=resident, mentor=mentor2, created_by=manager)
    assert Pairing.objects.count() == 1


def test_create_refuses_a_resident_whose_pairing_is_paused(resident, mentor, mentor2, manager):
    f.PairingFactory(resident=resident, mentor=mentor, status=Pairing.Status.PAUSED)
    with pytest.raises(ValidationError, match="already has a mentor"):
        services.pairing_create(resident=resident, mentor=mentor2, created_by=manager)


def test_the_database_constraint_turns_into_the_same_friendly_message(
    resident, mentor, mentor2, manager, monkeypatch
):
    """Two requests racing past the pre-checks: the unique index decides, the message stays."""
    services.pairing_create(resident=resident, mentor=mentor, created_by=manager)
    monkeypatch.setattr(services, "_has_open_pairing", lambda r: False)
    monkeypatch.setattr(Pairing, "validate_constraints", lambda self, exclude=None: None)
    with pytest.raises(ValidationError, match="already has a mentor"):
        services.pairing_create(resident=resident, mentor=mentor2, created_by=manager)
    assert Pairing.objects.count() == 1


@pytest.mark.parametrize("status", ["graduated", "moved_out", "discharged"])
def test_create_refuses_an_exited_resident(house, mentor, manager, status):
    resident = f.ResidentFactory(house=house, status=status, exit_date=timezone.localdate())
    with pytest.raises(ValidationError, match="no longer living in the house"):
        services.pairing_create(resident=resident, mentor=mentor, created_by=manager)
    assert not Pairing.objects.exists()


def test_create_refuses_to_pair_a_mentor_with_themself(house, manager):
    mentor = f.ClearedMentorFactory(
        user__first_name="Robin", user__last_name="Hale", phone="(555) 010-2000"
    )
    resident = f.ResidentFactory(
        house=house, first_name="robin", last_name="Hale ", phone="555-010-2000"
    )
    with pytest.raises(ValidationError, match="themself"):
        services.pairing_create(resident=resident, mentor=mentor, created_by=manager)
    assert not Pairing.objects.exists()


def test_a_namesake_with_another_phone_is_not_the_same_person(house, manager):
    mentor = f.ClearedMentorFactory(
        user__first_name="Robin", user__last_name="Hale", phone="555-010-9999"
    )
    resident = f.ResidentFactory(
        house=house, first_name="Robin", last_name="Hale", phone="555-010-2000"
    )
    services.pairing_create(resident=resident, mentor=mentor, created_by=manager)
    assert Pairing.objects.count() == 1


@pytest.mark.parametrize("days", [0, 31, -1, 365])
def test_create_refuses_an_interval_outside_1_to_30_days(resident, mentor, manager, days):
    with pytest.raises(ValidationError, match="between 1 and 30 days"):
        services.pairing_create(
            resident=resident, mentor=mentor, created_by=manager, checkin_interval_days=days
        )
    assert not Pairing.objects.exists()


def test_pause_clears_the_due_date(resident, mentor):
    pairing = f.PairingFactory(resident=resident, mentor=mentor)
    services.pairing_pause(pairing=pairing)
    pairing.refresh_from_db()
    assert pairing.status == Pairing.Status.PAUSED
    assert pairing.paused_on == timezone.localdate()
    assert pairing.pause_reason == Pairing.PauseReason.MANAGER
    assert pairing.next_due_at is None


def test_pause_refuses_a_paused_pairing(resident, mentor):
    pairing = f.PairingFactory(resident=resident, mentor=mentor, status=Pairing.Status.PAUSED)
    with pytest.raises(ValidationError, match="Only an active pairing"):
        services.pairing_pause(pairing=pairing)


def test_resume_restores_the_due_date_from_the_last_contact(resident, mentor):
    pairing = f.PairingFactory(resident=resident, mentor=mentor)
    services.pairing_pause(pairing=pairing)
    last = timezone.now() - dt.timedelta(days=2)
    Pairing.objects.filter(pk=pairing.pk).update(last_contact_at=last)
    services.pairing_resume(pairing=pairing)
    pairing.refresh_from_db()
    assert pairing.status == Pairing.Status.ACTIVE
    assert pairing.paused_on is None
    assert pairing.pause_reason == ""
    # A week later on the house's clock (across a DST change that is 7 days +- 1 hour).
    assert pairing.next_due_at == due_after(last, 7, resident.house.zone)
    assert pairing.next_due_at == expected_due(pairing)


def test_resume_refuses_when_the_mentor_is_full(house):
    mentor = f.ClearedMentorFactory(capacity=1)
    paused = f.PairingFactory(mentor=mentor, status=Pairing.Status.PAUSED, resident__house=house)
    f.PairingFactory(mentor=mentor, resident__house=house)
    with pytest.raises(ValidationError, match="no free place"):
        services.pairing_resume(pairing=paused)
    paused.refresh_from_db()
    assert paused.status == Pairing.Status.PAUSED


def test_resume_refuses_when_the_mentor_is_on_break(resident, mentor):
    pairing = f.PairingFactory(resident=resident, mentor=mentor, status=Pairing.Status.PAUSED)
    Mentor.objects.filter(pk=mentor.pk).update(status=Mentor.Status.ON_BREAK)
    with pytest.raises(ValidationError, match="not cleared"):
        services.pairing_resume(pairing=pairing)


def test_end_records_reason_note_and_clears_the_due_date(resident, mentor):
    pairing = f.PairingFactory(resident=resident, mentor=mentor)
    services.pairing_end(
        pairing=pairing, reason=Pairing.EndReason.NOT_A_GOOD_FIT, note="  Clashed  "
    )
    pairing.refresh_from_db()
    assert pairing.status == Pairing.Status.ENDED
    assert pairing.ended_on == timezone.localdate()
    assert pairing.end_reason == Pairing.EndReason.NOT_A_GOOD_FIT
    assert pairing.end_note == "Clashed"
    assert pairing.next_due_at is None


def test_end_refuses_an_unknown_reason_and_an_ended_pairing(resident, mentor):
    pairing = f.PairingFactory(resident=resident, mentor=mentor)
    with pytest.raises(ValidationError, match="Choose why"):
        services.pairing_end(pairing=pairing, reason="bored")
    services.pairing_end(pairing=pairing, reason=Pairing.EndReason.COMPLETED)
    with pytest.raises(ValidationError, match="already ended"):
        services.pairing_end(pairing=pairing, reason=Pairing.EndReason.COMPLETED)


def test_end_never_ends_before_the_start(resident, mentor):
    pairing = f.PairingFactory(resident=resident, mentor=mentor)
    services.pairing_end(
        pairing=pairing,
        reason=Pairing.EndReason.RESIDENT_LEFT,
        ended_on=pairing.started_on - dt.timedelta(days=30),
    )
    pairing.refresh_from_db()
    assert pairing.ended_on == pairing.started_on


def test_change_interval_moves_the_due_date(resident, mentor):
    pairing = f.PairingFactory(resident=resident, mentor=mentor)
    services.pairing_change_interval(pairing=pairing, checkin_interval_days=3)
    pairing.refresh_from_db()
    assert pairing.checkin_interval_days == 3
    assert pairing.next_due_at == due_after(pairing.started_at(), 3, pairing.resident.house.zone)


@pytest.mark.parametrize("days", [0, 31])
def test_change_interval_refuses_outside_1_to_30(resident, mentor, days):
    pairing = f.PairingFactory(resident=resident, mentor=mentor)
    with pytest.raises(ValidationError, match="between 1 and 30"):
        services.pairing_change_interval(pairing=pairing, checkin_interval_days=days)
    pairing.refresh_from_db()
    assert pairing.checkin_interval_days == 7


def test_change_interval_of_a_paused_pairing_keeps_no_due_date(resident, mentor):
    pairing = f.PairingFactory(resident=resident, mentor=mentor, status=Pairing.Status.PAUSED)
    services.pairing_change_interval(pairing=pairing, checkin_interval_days=14)
    pairing.refresh_from_db()
    assert pairing.checkin_interval_days == 14
    assert pairing.next_due_at is None


def test_reassign_ends_the_old_pairing_and_creates_a_new_one(resident, mentor, mentor2, manager):
    old = f.PairingFactory(resident=resident, mentor=mentor, checkin_interval_days=5)
    new = services.pairing_reassign(
        pairing=old, mentor=mentor2, created_by=manager, end_reason=Pairing.EndReason.OTHER
    )
    old.refresh_from_db()
    assert old.status == Pairing.Status.ENDED
    assert old.end_reason == Pairing.EndReason.OTHER
    assert old.next_due_at is None
    assert new.mentor == mentor2
    assert new.status == Pairing.Status.ACTIVE
    assert new.checkin_interval_days == 5
    assert new.next_due_at == expected_due(new)


def test_reassign_to_a_full_mentor_changes_nothing(resident, mentor, manager, house):
    full = f.ClearedMentorFactory(capacity=1)
    f.PairingFactory(mentor=full, resident__house=house)
    old = f.PairingFactory(resident=resident, mentor=mentor)
    with pytest.raises(ValidationError, match="no free place"):
        services.pairing_reassign(pairing=old, mentor=full, created_by=manager)
    old.refresh_from_db()
    assert old.status == Pairing.Status.ACTIVE
    assert Pairing.objects.filter(resident=resident).count() == 1


def test_reassign_to_the_same_mentor_is_refused(resident, mentor, manager):
    old = f.PairingFactory(resident=resident, mentor=mentor)
    with pytest.raises(ValidationError, match="different mentor"):
        services.pairing_reassign(pairing=old, mentor=mentor, created_by=manager)


def test_a_resident_can_be_paired_again_after_an_end(resident, mentor, mentor2, manager):
    old = f.PairingFactory(resident=resident, mentor=mentor)
    services.pairing_end(pairing=old, reason=Pairing.EndReason.COMPLETED)
    services.pairing_create(resident=resident, mentor=mentor2, created_by=manager)
    assert Pairing.objects.open().filter(resident=resident).count() == 1
    assert Resident.objects.get(pk=resident.pk).pairings.count() == 2


# --- Database constraints: a write that skips the services still cannot break the rules ---------


def test_the_database_refuses_an_end_before_the_start(resident, mentor):
    pairing = f.PairingFactory(resident=resident, mentor=mentor)
    rows = Pairing.objects.filter(pk=pairing.pk)
    with pytest.raises(IntegrityError, match="pairing_end_after_start"), transaction.atomic():
        rows.update(ended_on=pairing.started_on - dt.timedelta(days=1))
    assert rows.update(ended_on=pairing.started_on) == 1  # ending on the first day is fine


@pytest.mark.parametrize(("bad", "good"), [(0, 1), (31, 30)])
def test_the_database_refuses_an_interval_outside_1_to_30_days(resident, mentor, bad, good):
    pairing = f.PairingFactory(resident=resident, mentor=mentor)
    rows = Pairing.objects.filter(pk=pairing.pk)
    with pytest.raises(IntegrityError, match="pairing_interval_1_30"), transaction.atomic():
        rows.update(checkin_interval_days=bad)
    assert rows.update(checkin_interval_days=good) == 1
