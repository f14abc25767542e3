"""A manager's status change can never pause a pairing in a house they do not manage (issue 13).

A status belongs to the whole mentor (on break pauses every pairing they have), so a manager
changes it only for a mentor who serves no house but theirs and has no open pairing elsewhere;
otherwise a program admin does. Checked in the service under the mentor's row lock.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from matching.models import Pairing
from mentors import services
from mentors.models import Mentor, MentorStatusChange
from tests import factories as f

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
