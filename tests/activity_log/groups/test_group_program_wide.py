"""Program-wide sessions other than mentor circles (a workshop for every house): their roster
is the program's active mentors and the active residents the taker may already see; a
correction replaces only those, so residents another taker recorded stay."""

import uuid

import pytest
from django.urls import reverse

from activity_log.groups import services
from activity_log.models import Attendance, GroupSession
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop(program_admin):
    return f.GroupSessionFactory(
        house=None, kind=GroupSession.Kind.WORKSHOP, title="Job search", created_by=program_admin
    )


def test_the_roster_is_mentors_and_the_residents_the_taker_sees(
    as_user, manager, house, house2, mentor, workshop
):
    mine = f.ResidentFactory(house=house, preferred_name="Ana")
    f.ResidentFactory(house=house2, preferred_name="Bea")
    workshop.facilitator_users.add(manager)
    response = as_user(manager).get(reverse("groups:attendance", args=[workshop.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields["residents"].queryset) == [mine]
    assert mentor in form.fields["mentors"].queryset
    html = response.content.decode()
    assert "Ana · Maple House" in html
    assert "Bea" not in html


def test_taking_attendance_records_residents_and_mentors(as_user, manager, house, mentor, workshop):
    ana = f.ResidentFactory(house=house, preferred_name="Ana")
    workshop.facilitator_users.add(manager)
    response = as_user(manager).post(
        reverse("groups:attendance", args=[workshop.pk]),
        {
            "residents": [ana.pk],
            "mentors": [mentor.pk],
            "guests": "2",
            "note": "",
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    assert set(Attendance.objects.values_list("resident_id", "mentor_id")) == {
        (ana.pk, None),
        (None, mentor.pk),
    }
    workshop.refresh_from_db()
    assert workshop.guests == 2


def test_a_correction_keeps_residents_the_taker_cannot_see(
    manager, program_admin, house, house2, workshop
):
    from activity_log.groups.views import resident_scope

    ana = f.ResidentFactory(house=house)
    bea = f.ResidentFactory(house=house2)
    services.attendance_record(
        session=workshop, taker=manager, residents=[ana], resident_scope=resident_scope(manager)
    )
    services.attendance_record(
        session=workshop,
        taker=program_admin,
        residents=[ana, bea],
        resident_scope=resident_scope(program_admin),
    )
    # The manager corrects within the window: Ana did not stay; Bea, whom they cannot see, does.
    services.attendance_record(
        session=workshop, taker=manager, residents=[], resident_scope=resident_scope(manager)
    )
    assert list(Attendance.objects.values_list("resident_id", flat=True)) == [bea.pk]


def test_a_resident_outside_the_scope_is_refused(manager, house2, workshop):
    bea = f.ResidentFactory(house=house2)
    from django.core.exceptions import ValidationError

    from activity_log.groups.views import resident_scope

    with pytest.raises(ValidationError) as caught:
        services.attendance_record(
            session=workshop, taker=manager, residents=[bea], resident_scope=resident_scope(manager)
        )
    assert "Choose residents from the list." in caught.value.messages
