"""A mentor's own profile cannot change what clearance or matching depends on (issue 13).

Recovery-since, houses served, serving every house, capacity and status are for staff; a
forged POST to "My profile" changes none of them. Each change staff make to those is kept in
the mentor's history with who and when, shown on the mentor page to staff who may change them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from mentors.models import Mentor, MentorProfileChange
from tests import factories as f

pytestmark = pytest.mark.django_db

MY_PROFILE = reverse("mentors:my_profile")


@pytest.fixture
def mentor_here(house):
    """Eight months in recovery: not yet cleared, which a mentor might like to change."""
    mentor = f.MentorFactory(
        status=Mentor.Status.IN_TRAINING,
        recovery_since=dt.date.today() - dt.timedelta(days=240),
        serves_all_houses=False,
        capacity=1,
    )
    mentor.houses.set([house])
    return mentor


def personal(**overrides) -> dict:
    data = {
        "first_name": "Sam",
        "last_name": "Okafor",
        "phone": "555-0123",
        "bio": "",
        "gender": "",
        "gender_self_description": "",
    }
    data.update(overrides)
    return data


def test_a_forged_post_changes_nothing_clearance_or_matching_depends_on(
    as_user, mentor_here, house, house2
):
    before = (mentor_here.recovery_since, mentor_here.capacity, mentor_here.status)
    response = as_user(mentor_here.user).post(
        MY_PROFILE,
        personal(
            recovery_since="2001-01-01",
            houses=[house.pk, house2.pk],
            serves_all_houses="on",
            capacity="10",
            status="active",
        ),
    )
    assert response.status_code == 302
    mentor_here.refresh_from_db()
    assert (mentor_here.recovery_since, mentor_here.capacity, mentor_here.status) == before
    assert list(mentor_here.houses.all()) == [house]
    assert mentor_here.serves_all_houses is False
    assert mentor_here.phone == "555-0123", "what they may change is saved"
    assert not MentorProfileChange.objects.exists()


def test_the_form_does_not_offer_them(as_user, mentor_here):
    form = as_user(mentor_here.user).get(MY_PROFILE).context["form"]
    for field in ("recovery_since", "houses", "serves_all_houses", "capacity", "status"):
        assert field not in form.fields


def test_each_staff_change_is_kept_with_who_and_when(as_user, manager, mentor_here, house):
    other = f.HouseFactory(name="Cedar House", managers=[manager])
    response = as_user(manager).post(
        reverse("mentors:edit", args=[mentor_here.pk]),
        personal(recovery_since="2019-06-01", houses=[house.pk, other.pk], capacity="3"),
    )
    assert response.status_code == 302
    changes = {
        c.field: (c.old_value, c.new_value, c.changed_by)
        for c in MentorProfileChange.objects.filter(mentor=mentor_here)
    }
    assert changes == {
        "recovery_since": (changes["recovery_since"][0], "1 June 2019", manager),
        "houses": ("Maple House", "Cedar House, Maple House", manager),
        "capacity": ("1", "3", manager),
    }
    assert all(c.changed_at for c in MentorProfileChange.objects.all())
    html = as_user(manager).get(reverse("mentors:detail", args=[mentor_here.pk])).content
    assert "1 June 2019" in html.decode() and "Cedar House, Maple House" in html.decode()


def test_saving_without_changes_adds_no_history(as_user, manager, mentor_here, house):
    as_user(manager).post(
        reverse("mentors:edit", args=[mentor_here.pk]),
        personal(
            recovery_since=mentor_here.recovery_since.isoformat(),
            houses=[house.pk],
            capacity="1",
            bio="Only the bio changed",
        ),
    )
    assert not MentorProfileChange.objects.exists()


def test_the_django_admin_shows_them_read_only(client, mentor_here):
    client.force_login(f.AdminUserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:mentors_mentor_change", args=[mentor_here.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    for field in ("recovery_since", "houses", "serves_all_houses", "capacity"):
        assert field not in form.fields
