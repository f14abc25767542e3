"""A mentor's away period: pairings pause (reason "mentor away"), suggestions skip the mentor,
new pairings are refused, and the daily task resumes exactly what it paused, once."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from matching import services
from matching.models import Pairing
from matching.suggestions import search_mentors, suggest_mentors
from mentors.models import Mentor
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def away(mentor: Mentor, start: int, end: int) -> None:
    Mentor.objects.filter(pk=mentor.pk).update(
        away_from=TODAY + dt.timedelta(days=start), back_on=TODAY + dt.timedelta(days=end)
    )
    mentor.refresh_from_db()


@pytest.fixture
def resident(house):
    return f.ResidentFactory(house=house, preferred_name="Ana")


def test_suggestions_and_search_skip_an_away_mentor(resident, house, mentor, mentor2):
    mentor.houses.add(house)
    mentor2.houses.add(house)
    away(mentor, 0, 10)
    assert [s.mentor for s in suggest_mentors(resident)] == [mentor2]
    assert search_mentors(resident, mentor.user.first_name) == []
    # Planned, not yet begun: still suggested.
    away(mentor, 2, 10)
    assert mentor in [s.mentor for s in suggest_mentors(resident)]


def test_pairing_an_away_mentor_is_refused(resident, mentor, manager):
    away(mentor, 0, 10)
    with pytest.raises(ValidationError) as caught:
        services.pairing_create(resident=resident, mentor=mentor, created_by=manager)
    assert caught.value.code == "mentor_away"
    assert "is away until" in caught.value.messages[0]


def test_the_daily_task_pauses_and_resumes_once(house, mentor):
    active = f.PairingFactory(mentor=mentor, resident=f.ResidentFactory(house=house))
    by_manager = f.PairingFactory(mentor=mentor, resident=f.ResidentFactory(house=house))
    services.pairing_pause(pairing=by_manager)
    away(mentor, 0, 5)

    assert services.pairings_sync_away(today=TODAY) == (1, 0)
    assert services.pairings_sync_away(today=TODAY) == (0, 0)
    active.refresh_from_db()
    assert (active.status, active.pause_reason) == ("paused", "mentor_away")
    assert active.next_due_at is None

    back = TODAY + dt.timedelta(days=5)
    assert services.pairings_sync_away(today=back - dt.timedelta(days=1)) == (0, 0)
    assert services.pairings_sync_away(today=back) == (0, 1)
    assert services.pairings_sync_away(today=back) == (0, 0)
    active.refresh_from_db()
    by_manager.refresh_from_db()
    assert (active.status, active.pause_reason) == ("active", "")
    assert active.next_due_at is not None
    # Only the pairings paused for the absence resume: the manager's pause stays.
    assert (by_manager.status, by_manager.pause_reason) == ("paused", "manager")


def test_a_manager_cannot_resume_while_the_mentor_is_away(house, mentor):
    pairing = f.PairingFactory(mentor=mentor, resident=f.ResidentFactory(house=house))
    away(mentor, 0, 5)
    services.pairings_sync_away(today=TODAY)
    with pytest.raises(ValidationError) as caught:
        services.pairing_resume(pairing=pairing)
    assert caught.value.code == "mentor_away"


def test_a_pairing_that_cannot_resume_stays_paused(house, mentor, caplog):
    pairing = f.PairingFactory(mentor=mentor, resident=f.ResidentFactory(house=house))
    away(mentor, 0, 5)
    services.pairings_sync_away(today=TODAY)
    Mentor.objects.filter(pk=mentor.pk).update(recovery_since=None)  # no longer cleared
    mentor.refresh_from_db()
    away(mentor, -10, 0)
    assert services.pairings_sync_away(today=TODAY) == (0, 0)
    pairing.refresh_from_db()
    assert pairing.status == Pairing.Status.PAUSED
    assert f"pairing {pairing.pk} stays paused" in caplog.text
