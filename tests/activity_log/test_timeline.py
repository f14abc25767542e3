"""History per pairing and the resident page's timeline slot: scope, order, pagination, queries."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring_site.models import AuditEvent
from tests import factories as f
from tests.activity_log.contact_support import pairing_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def pairing(mentor, house):
    return pairing_for(mentor, house=house, days_ago=60)


def _contacts(pairing, n):
    now = timezone.now()
    return [
        f.ContactLogFactory(
            pairing=pairing, happened_at=now - dt.timedelta(days=i + 1), notes=f"Note number {i}"
        )
        for i in range(n)
    ]


def _timeline(resident):
    return reverse("activity_log:resident_timeline", args=[resident.pk])


def test_the_house_manager_sees_the_timeline_newest_first(as_user, manager, pairing):
    _contacts(pairing, 3)
    response = as_user(manager).get(_timeline(pairing.resident))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Note number 0") < html.index("Note number 1") < html.index("Note number 2")
    assert "<html" not in html  # a partial for the resident page's slot


def test_the_timeline_is_paginated_with_htmx_links(as_user, manager, pairing):
    _contacts(pairing, 27)
    client = as_user(manager)
    first = client.get(_timeline(pairing.resident)).content.decode()
    assert "Note number 24" in first and "Note number 25" not in first
    assert 'hx-get="' in first and "page=2" in first
    second = client.get(_timeline(pairing.resident), {"page": 2}).content.decode()
    assert "Note number 26" in second


def test_a_manager_of_another_house_gets_404(as_user, manager2, pairing):
    assert as_user(manager2).get(_timeline(pairing.resident)).status_code == 404


def test_the_mentor_sees_their_own_contacts_and_other_mentors_get_404(
    as_user, mentor, mentor2, pairing
):
    _contacts(pairing, 1)
    assert as_user(mentor.user).get(_timeline(pairing.resident)).status_code == 200
    assert as_user(mentor2.user).get(_timeline(pairing.resident)).status_code == 404
    history = reverse("activity_log:pairing_history", args=[pairing.pk])
    assert as_user(mentor2.user).get(history).status_code == 404


def test_a_mentor_does_not_see_a_previous_mentors_notes(as_user, mentor, mentor2, house):
    resident = f.ResidentFactory(house=house)
    old = pairing_for(mentor2, resident=resident, days_ago=90)
    f.ContactLogFactory(pairing=old, notes="Earlier mentor's note")
    old.status, old.ended_on, old.next_due_at = "ended", timezone.localdate(), None
    old.save()
    pairing_for(mentor, resident=resident)
    html = as_user(mentor.user).get(_timeline(resident)).content.decode()
    assert "Earlier mentor's note" not in html


def test_anonymous_is_sent_to_login(client, pairing):
    for url in (
        _timeline(pairing.resident),
        reverse("activity_log:pairing_history", args=[pairing.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and reverse("account_login") in response.url


def test_pairing_history_for_mentor_and_manager(as_user, mentor, manager, manager2, pairing):
    _contacts(pairing, 2)
    url = reverse("activity_log:pairing_history", args=[pairing.pk])
    mine = as_user(mentor.user).get(url)
    assert mine.status_code == 200 and "Note number 1" in mine.content.decode()
    assert as_user(manager).get(url).status_code == 200
    assert as_user(manager2).get(url).status_code == 404


def test_an_empty_history_says_so(as_user, mentor, pairing):
    html = as_user(mentor.user).get(reverse("activity_log:pairing_history", args=[pairing.pk]))
    assert "No contacts logged yet" in html.content.decode()


def test_goals_show_to_a_mentor_only_with_consent(as_user, mentor, pairing):
    goal = f.RecoveryGoalFactory(resident=pairing.resident, text="Finish the GED")
    contact = f.ContactLogFactory(pairing=pairing)
    contact.goals_discussed.add(goal)
    url = reverse("activity_log:pairing_history", args=[pairing.pk])
    client = as_user(mentor.user)
    assert "Finish the GED" not in client.get(url).content.decode()
    f.ConsentRecordFactory(resident=pairing.resident)
    assert "Finish the GED" in client.get(url).content.decode()


def test_viewing_the_timeline_is_audited(as_user, manager, pairing):
    as_user(manager).get(_timeline(pairing.resident))
    event = AuditEvent.objects.get()
    assert (event.action, event.resident_id) == ("view", pairing.resident_id)


def test_times_show_in_the_house_time_zone(as_user, manager):
    house = f.HouseFactory(time_zone="America/Los_Angeles", managers=[manager])
    pairing = pairing_for(f.ClearedMentorFactory(), house=house, days_ago=30)
    f.ContactLogFactory(pairing=pairing, happened_at=dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC))
    html = as_user(manager).get(_timeline(pairing.resident)).content.decode()
    assert "Thu 19 Nov 2026, 7:00 PM" in html


@pytest.mark.parametrize("n", [2, 40])
def test_the_timeline_runs_a_fixed_number_of_queries(
    as_user, manager, pairing, n, django_assert_max_num_queries
):
    for contact in _contacts(pairing, n):
        contact.topics.add(f.topic("coping"))
    client = as_user(manager)
    with django_assert_max_num_queries(12):
        assert client.get(_timeline(pairing.resident)).status_code == 200
