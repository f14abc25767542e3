import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activity_log.models import Milestone
from matching.models import Pairing
from tests import factories as f
from tests.activity_log.contact_support import pairing_for

pytestmark = pytest.mark.django_db

URL = reverse("activity_log:my_mentees")


def _due_in(pairing, days: int):
    pairing.next_due_at = timezone.now() + dt.timedelta(days=days)
    pairing.save(update_fields=["next_due_at"])


def test_it_lists_active_mentees_most_urgent_first_with_due_words(as_user, mentor, house):
    later = pairing_for(
        mentor, house=house, resident=f.ResidentFactory(house=house, preferred_name="Later")
    )
    overdue = pairing_for(
        mentor, house=house, resident=f.ResidentFactory(house=house, preferred_name="Overdue")
    )
    today = pairing_for(
        mentor, house=house, resident=f.ResidentFactory(house=house, preferred_name="Today")
    )
    _due_in(later, 3)
    _due_in(overdue, -2)
    _due_in(today, 0)
    response = as_user(mentor.user).get(URL)
    names = [row.resident.preferred_name for row in response.context["active"]]
    assert names == ["Overdue", "Today", "Later"]
    html = response.content.decode()
    assert "Overdue by 2 days" in html and "Due today" in html and "Due in 3 days" in html
    assert "text-bg-danger" in html
    assert html.count("Log contact") == 3
    assert "Maple House" in html


def test_last_contact_reads_in_days(as_user, mentor, house):
    pairing = pairing_for(mentor, house=house)
    Pairing.objects.filter(pk=pairing.pk).update(
        last_contact_at=timezone.now() - dt.timedelta(days=4)
    )
    assert "4 days ago" in as_user(mentor.user).get(URL).content.decode()


def test_paused_pairings_are_listed_apart_and_ended_ones_not_at_all(as_user, mentor, house):
    pairing_for(
        mentor, house=house, resident=f.ResidentFactory(house=house, preferred_name="Active")
    )
    paused = pairing_for(
        mentor, house=house, resident=f.ResidentFactory(house=house, preferred_name="Resting")
    )
    Pairing.objects.filter(pk=paused.pk).update(status=Pairing.Status.PAUSED, next_due_at=None)
    ended = pairing_for(
        mentor, house=house, resident=f.ResidentFactory(house=house, preferred_name="Gone")
    )
    Pairing.objects.filter(pk=ended.pk).update(
        status=Pairing.Status.ENDED, ended_on=timezone.localdate()
    )
    response = as_user(mentor.user).get(URL)
    assert [r.resident.preferred_name for r in response.context["active"]] == ["Active"]
    assert [r.resident.preferred_name for r in response.context["paused"]] == ["Resting"]
    assert "Gone" not in response.content.decode()


def test_a_mentor_with_no_mentees_sees_an_empty_state(as_user, mentor):
    assert "You have no mentees yet" in as_user(mentor.user).get(URL).content.decode()


def test_other_mentors_mentees_are_not_shown(as_user, mentor, mentor2, house):
    pairing_for(
        mentor2, house=house, resident=f.ResidentFactory(house=house, preferred_name="Theirs")
    )
    assert "Theirs" not in as_user(mentor.user).get(URL).content.decode()


def test_the_phone_number_shows_only_with_consent_to_share_contact_details(as_user, mentor, house):
    resident = f.ResidentFactory(house=house, phone="555-0100")
    pairing_for(mentor, house=house, resident=resident)
    client = as_user(mentor.user)
    assert "555-0100" not in client.get(URL).content.decode()
    f.ConsentRecordFactory(resident=resident, shares_contact_details=True)
    assert "tel:555-0100" in client.get(URL).content.decode()


def test_a_new_milestone_is_congratulated_once(as_user, mentor):
    Milestone.objects.create(mentor=mentor, hours=10)
    client = as_user(mentor.user)
    assert "You have given 10 hours" in client.get(URL).content.decode()
    assert "You have given 10 hours" not in client.get(URL).content.decode()
    assert Milestone.objects.get().celebrated_at is not None


def test_staff_and_anonymous_cannot_open_it(client, as_user, manager):
    assert client.get(URL).status_code == 302
    assert as_user(manager).get(URL).status_code == 404


def test_it_runs_a_fixed_number_of_queries(as_user, mentor, house):
    """The same count at 2 and at 40 mentees (a third paused), each visit celebrating a milestone."""
    client = as_user(mentor.user)
    counts = {}
    for size, milestone in ((2, 10), (40, 25)):
        for i in range(mentor.pairings.count(), size):
            pairing = pairing_for(mentor, house=house)
            f.ConsentRecordFactory(resident=pairing.resident)
            if i % 3 == 0:
                Pairing.objects.filter(pk=pairing.pk).update(status=Pairing.Status.PAUSED)
        Milestone.objects.create(mentor=mentor, hours=milestone)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL)
        assert response.status_code == 200
        assert len(response.context["active"]) + len(response.context["paused"]) == size
        counts[size] = [q["sql"] for q in queries.captured_queries]
    assert Milestone.objects.filter(celebrated_at__isnull=True).count() == 0
    assert len(counts[2]) == len(counts[40]), "\n".join(counts[40])
    # 10, +1 on PostgreSQL: the page cache's data version (mentoring_site/page_cache.py).
    assert len(counts[40]) <= 11, "\n".join(counts[40])
