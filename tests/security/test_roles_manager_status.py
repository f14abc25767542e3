"""A manager's status change can never pause a pairing in a house they do not manage (issue 13).

A status belongs to the whole mentor (on break pauses every pairing they have), so a manager
changes it only for a mentor who serves no house but theirs and has no open pairing elsewhere;
otherwise a program admin does. Checked in the service under the mentor's row lock.
"""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from matching import services as matching
from matching.models import Pairing
from mentors import services
from mentors.models import Mentor, MentorStatusChange
from tests import factories as f
from tests.matching.test_concurrency import run_together

pytestmark = pytest.mark.django_db


def status_url(mentor) -> str:
    return reverse("mentors:status", args=[mentor.pk])


def serving(*houses, all_houses: bool = False) -> Mentor:
    mentor = f.ClearedMentorFactory(serves_all_houses=all_houses)
    mentor.houses.set(houses)
    return mentor


def go_on_break(client, mentor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(status_url(mentor), {"status": "on_break", "reason": "Family"})


def test_a_shared_mentors_break_cannot_be_set_by_one_houses_manager(
    as_user, manager, house, house2, django_capture_on_commit_callbacks
):
    mentor = serving(house, house2)
    theirs = f.PairingFactory(mentor=mentor, resident=f.ResidentFactory(house=house2))
    client = as_user(manager)
    page = client.get(status_url(mentor))
    assert page.status_code == 200 and "Ask a program admin" in page.content.decode()
    response = go_on_break(client, mentor, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    mentor.refresh_from_db()
    theirs.refresh_from_db()
    assert mentor.status == Mentor.Status.ACTIVE
    assert theirs.status == Pairing.Status.ACTIVE
    assert not MentorStatusChange.objects.exists()


def test_an_open_pairing_elsewhere_blocks_it_even_if_the_mentor_serves_only_their_house(
    as_user, manager, house, house2, django_capture_on_commit_callbacks
):
    mentor = serving(house)
    elsewhere = f.PairingFactory(mentor=mentor, resident=f.ResidentFactory(house=house2))
    go_on_break(as_user(manager), mentor, django_capture_on_commit_callbacks)
    elsewhere.refresh_from_db()
    assert elsewhere.status == Pairing.Status.ACTIVE


def test_a_mentor_serving_every_house_is_the_admins_to_pause(
    as_user, manager, program_admin, house, house2, django_capture_on_commit_callbacks
):
    mentor = serving(all_houses=True)
    elsewhere = f.PairingFactory(mentor=mentor, resident=f.ResidentFactory(house=house2))
    go_on_break(as_user(manager), mentor, django_capture_on_commit_callbacks)
    mentor.refresh_from_db()
    assert mentor.status == Mentor.Status.ACTIVE
    response = go_on_break(as_user(program_admin), mentor, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    elsewhere.refresh_from_db()
    assert elsewhere.status == Pairing.Status.PAUSED


def test_the_manager_of_all_the_mentors_houses_pauses_their_pairings(
    as_user, manager, house, house2, django_capture_on_commit_callbacks
):
    mentor = serving(house)
    mine = f.PairingFactory(mentor=mentor, resident=f.ResidentFactory(house=house))
    response = go_on_break(as_user(manager), mentor, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == Pairing.Status.PAUSED


def test_the_service_refuses_it_too(manager, house, house2):
    mentor = serving(house, house2)
    with pytest.raises(ValidationError, match="program admin"):
        services.mentor_change_status(
            mentor=mentor, status="on_break", reason="Family", changed_by=manager
        )


@pytest.fixture
def slow_status_check(monkeypatch):
    """Holds the status change a moment after its check, so a pairing can try to slip in."""
    original = services._check_may_change_status

    def slow(**kwargs):
        original(**kwargs)
        time.sleep(0.4)

    monkeypatch.setattr(services, "_check_may_change_status", slow)


def test_a_pairing_elsewhere_cannot_slip_in_while_the_status_changes(
    transactional_db, manager, manager2, house, house2, slow_status_check
):
    """PostgreSQL: manager A puts their mentor on break while manager B pairs the same mentor
    with a resident of B's house. One of the two wins; B's pairing is never paused by A."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (SQLite serialises writers)")
    mentor = serving(house)
    resident = f.ResidentFactory(house=house2)
    outcomes = run_together(
        [
            lambda: services.mentor_change_status(
                mentor=mentor, status="on_break", reason="Family", changed_by=manager
            ),
            lambda: matching.pairing_create(resident=resident, mentor=mentor, created_by=manager2),
        ]
    )
    assert outcomes.count("ok") == 1, outcomes
    assert not Pairing.objects.filter(
        resident=resident, pause_reason=Pairing.PauseReason.MENTOR_UNAVAILABLE
    ).exists()
