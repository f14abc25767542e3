"""Every group URL: the owner gets the page, the same role elsewhere gets 404, anonymous users
go to sign in. Scoping lives in GroupSession.objects.visible_to / changeable_by."""

import pytest
from django.urls import reverse

from activity_log.models import Attendance, GroupSession
from mentoring_site.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(house, mentor):
    return f.GroupSessionFactory(house=house, facilitator_mentors=[mentor])


@pytest.fixture
def taken(session, mentor):
    """Attendance taken, so the "saved" page exists."""
    from activity_log.groups import services

    services.attendance_record(session=session, taker=mentor.user)
    return session


MANAGER_URLS = [
    ("groups:detail", "session"),
    ("groups:edit", "session"),
    ("groups:cancel", "session"),
    ("groups:attendance", "session"),
    ("groups:attendance_saved", "session"),
    ("groups:house", "house"),
    ("groups:resident_attendance", "resident"),
]
MENTOR_URLS = ["groups:detail", "groups:attendance", "groups:attendance_saved"]


def _arg(kind, session):
    if kind == "session":
        return session.pk
    if kind == "house":
        return session.house_id
    return f.ResidentFactory(house=session.house).pk


@pytest.mark.parametrize(("name", "kind"), MANAGER_URLS)
def test_the_house_manager_gets_it(as_user, manager, taken, name, kind):
    response = as_user(manager).get(reverse(name, args=[_arg(kind, taken)]))
    assert response.status_code == 200


@pytest.mark.parametrize(("name", "kind"), MANAGER_URLS)
def test_a_manager_of_another_house_gets_404(as_user, manager2, house2, taken, name, kind):
    response = as_user(manager2).get(reverse(name, args=[_arg(kind, taken)]))
    assert response.status_code == 404


@pytest.mark.parametrize(("name", "kind"), MANAGER_URLS)
def test_anonymous_users_go_to_sign_in(client, taken, name, kind):
    response = client.get(reverse(name, args=[_arg(kind, taken)]))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


@pytest.mark.parametrize("name", MENTOR_URLS)
def test_the_facilitating_mentor_gets_it(as_user, mentor, taken, name):
    assert as_user(mentor.user).get(reverse(name, args=[taken.pk])).status_code == 200


@pytest.mark.parametrize("name", [*MENTOR_URLS, "groups:edit", "groups:cancel"])
def test_another_mentor_gets_404(as_user, mentor2, taken, name):
    assert as_user(mentor2.user).get(reverse(name, args=[taken.pk])).status_code == 404


@pytest.mark.parametrize("name", ["groups:edit", "groups:cancel", "groups:house"])
def test_a_facilitating_mentor_cannot_manage(as_user, mentor, taken, name):
    arg = taken.house_id if name == "groups:house" else taken.pk
    assert as_user(mentor.user).get(reverse(name, args=[arg])).status_code == 404


@pytest.mark.parametrize("name", ["groups:list", "groups:new", "groups:today", "groups:my_circles"])
def test_anonymous_users_go_to_sign_in_from_every_page(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_mentor_sees_a_circle_they_attended_but_not_one_they_did_not(as_user, mentor, mentor2):
    attended = f.GroupSessionFactory(house=None, kind=GroupSession.Kind.MENTOR_CIRCLE)
    Attendance.objects.create(session=attended, mentor=mentor)
    other = f.GroupSessionFactory(house=None, kind=GroupSession.Kind.MENTOR_CIRCLE)
    client = as_user(mentor.user)
    assert client.get(reverse("groups:detail", args=[attended.pk])).status_code == 200
    assert client.get(reverse("groups:detail", args=[other.pk])).status_code == 404
    # Attending is not facilitating: no attendance screen.
    assert client.get(reverse("groups:attendance", args=[attended.pk])).status_code == 404


def test_managers_see_program_wide_sessions_but_only_admins_change_them(
    as_user, manager, program_admin
):
    session = f.GroupSessionFactory(house=None, kind=GroupSession.Kind.WORKSHOP)
    client = as_user(manager)
    assert client.get(reverse("groups:detail", args=[session.pk])).status_code == 200
    assert client.get(reverse("groups:edit", args=[session.pk])).status_code == 404
    client = as_user(program_admin)
    assert client.get(reverse("groups:edit", args=[session.pk])).status_code == 200


def test_reading_residents_attendance_is_audited_per_resident(as_user, manager, session):
    residents = f.ResidentFactory.create_batch(2, house=session.house)
    for resident in residents:
        Attendance.objects.create(session=session, resident=resident)
    as_user(manager).get(reverse("groups:detail", args=[session.pk]))
    audited = set(
        AuditEvent.objects.filter(object_type="activity_log.groupsession").values_list(
            "resident_id", flat=True
        )
    )
    assert audited == {r.pk for r in residents}
