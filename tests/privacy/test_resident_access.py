"""The resident page's "who accessed this record" partial."""

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring_site.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(house):
    return f.ResidentFactory(house=house)


def _url(resident, page=None):
    url = reverse("activity_log:resident_access", args=[resident.pk])
    return f"{url}?page={page}" if page else url


def _event(user, resident, action="view"):
    return AuditEvent.objects.create(
        user=user,
        action=action,
        object_type="residents.resident",
        object_id=str(resident.pk),
        resident_id=resident.pk,
        path=f"/residents/{resident.pk}/",
        ip="10.0.0.7",
    )


def test_it_lists_who_opened_the_record(as_user, manager, mentor, resident):
    _event(mentor.user, resident)
    _event(manager, resident, action="change")
    response = as_user(manager).get(_url(resident))
    assert response.status_code == 200
    body = response.content.decode()
    assert mentor.user.get_full_name() in body
    assert "changed" in body
    assert "10.0.0.7" in body


def test_it_shows_an_empty_state(as_user, manager, resident):
    response = as_user(manager).get(_url(resident))
    assert "Nobody has opened this record yet." in response.content.decode()


def test_it_is_paginated_by_25(as_user, manager, resident):
    for _ in range(30):
        _event(manager, resident)
    client = as_user(manager)
    first = client.get(_url(resident)).content.decode()
    assert first.count('<li class="border-bottom') == 25
    assert "Page 1 of 2" in first
    second = client.get(_url(resident, 2)).content.decode()
    assert second.count('<li class="border-bottom') == 5


def test_it_does_not_audit_itself(as_user, manager, resident):
    as_user(manager).get(_url(resident))
    assert not AuditEvent.objects.exists()


def test_it_runs_a_fixed_number_of_queries(
    as_user, manager, resident, django_assert_max_num_queries
):
    client = as_user(manager)
    for size in (2, 20):
        for _ in range(size):
            _event(f.MentorUserFactory(), resident)
        with django_assert_max_num_queries(7):
            client.get(_url(resident))


def test_a_manager_of_another_house_gets_404(as_user, manager2, resident):
    assert as_user(manager2).get(_url(resident)).status_code == 404


def test_mentors_get_404(as_user, mentor, resident):
    f.PairingFactory(mentor=mentor, resident=resident)
    assert as_user(mentor.user).get(_url(resident)).status_code == 404


def test_anonymous_is_sent_to_login(client, resident):
    response = client.get(_url(resident))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_admins_get_a_link_to_this_years_full_trail(as_user, program_admin, manager, resident):
    body = as_user(program_admin).get(_url(resident)).content.decode()
    year = timezone.localdate().year
    assert f"resident_id={resident.pk}&amp;date_from={year}-01-01" in body
    assert "Search the full trail" not in as_user(manager).get(_url(resident)).content.decode()
