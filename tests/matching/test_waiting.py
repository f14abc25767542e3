"""The "Waiting for a mentor" queue."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from matching import services
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = reverse("matching:waiting")


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def test_it_lists_active_residents_without_a_mentor_longest_waiting_first(
    as_user, manager, house, mentor
):
    recent = f.ResidentFactory(house=house, preferred_name="Recent", move_in_date=days_ago(3))
    old = f.ResidentFactory(house=house, preferred_name="Oldtimer", move_in_date=days_ago(90))
    # Moved in long ago, but their pairing ended only 10 days ago: waiting since then.
    rematch = f.ResidentFactory(house=house, preferred_name="Rematch", move_in_date=days_ago(200))
    f.PairingFactory(
        resident=rematch,
        mentor=mentor,
        started_on=days_ago(100),
        status="ended",
        ended_on=days_ago(10),
        end_reason="completed",
    )
    f.PairingFactory(resident__house=house, resident__preferred_name="Paired")
    f.PairingFactory(resident__house=house, resident__preferred_name="Pausedbymgr", status="paused")
    f.ResidentFactory(house=house, preferred_name="Gone", status="graduated", exit_date=days_ago(1))
    response = as_user(manager).get(URL)
    assert response.status_code == 200
    names = [r.preferred_name for r in response.context["page"].object_list]
    assert names == ["Oldtimer", "Rematch", "Recent"]
    html = response.content.decode()
    assert reverse("matching:suggest", args=[old.pk]) in html
    assert reverse("residents:detail", args=[recent.pk]) in html


def test_residents_whose_mentor_became_unavailable_come_first_marked(
    as_user, manager, house, mentor
):
    f.ResidentFactory(house=house, preferred_name="Oldtimer", move_in_date=days_ago(300))
    pairing = f.PairingFactory(
        resident__house=house, resident__preferred_name="Orphaned", mentor=mentor
    )
    services.pairings_pause_for_unavailable_mentor(mentor=mentor)
    response = as_user(manager).get(URL)
    rows = response.context["page"].object_list
    assert [r.preferred_name for r in rows] == ["Orphaned", "Oldtimer"]
    html = response.content.decode()
    assert "Mentor unavailable" in html
    assert reverse("matching:reassign", args=[pairing.pk]) in html


def test_a_manager_sees_only_their_houses(as_user, manager, house, house2):
    f.ResidentFactory(house=house, preferred_name="Mine")
    f.ResidentFactory(house=house2, preferred_name="Theirs")
    response = as_user(manager).get(URL)
    assert [r.preferred_name for r in response.context["page"].object_list] == ["Mine"]


def test_an_admin_sees_every_house(as_user, program_admin, house, house2):
    f.ResidentFactory(house=house)
    f.ResidentFactory(house=house2)
    response = as_user(program_admin).get(URL)
    assert len(response.context["page"].object_list) == 2


def test_empty_queue_says_so(as_user, manager, house):
    response = as_user(manager).get(URL)
    assert "Nobody is waiting" in response.content.decode()


def test_it_pages_by_25(as_user, manager, house):
    f.ResidentFactory.create_batch(27, house=house)
    response = as_user(manager).get(URL, {"page": 2})
    assert len(response.context["page"].object_list) == 2


@pytest.mark.parametrize("count", [2, 30])
def test_it_runs_a_fixed_number_of_queries(
    as_user, manager, house, mentor, count, django_assert_max_num_queries
):
    for i in range(count):
        resident = f.ResidentFactory(house=house)
        if i % 3 == 0:
            f.PairingFactory(
                resident=resident,
                mentor=mentor,
                started_on=days_ago(20),
                status="ended",
                ended_on=days_ago(5),
                end_reason="completed",
            )
    client = as_user(manager)
    with django_assert_max_num_queries(8):
        response = client.get(URL)
    assert response.status_code == 200


def test_anonymous_users_go_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_mentors_get_404(as_user, mentor):
    assert as_user(mentor.user).get(URL).status_code == 404


def test_staff_see_the_waiting_link_in_the_menu(as_user, manager, house):
    response = as_user(manager).get(URL)
    assert f'href="{URL}"' in response.content.decode()
