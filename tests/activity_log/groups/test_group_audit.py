"""Every group URL either writes audit rows (one per resident shown, as residents' attendance is
resident data) or says here why it does not; like tests/privacy/test_audit_urls.py for the others."""

import uuid

import pytest
from django.urls import reverse

from activity_log.groups import urls as group_urls
from activity_log.models import Attendance
from mentoring_site.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db

EXEMPT = {
    "groups:new": "a GET is a blank form; the POST is audited (create)",
    "groups:today": "session titles and times of the mentor's own sessions: no resident data",
    "groups:my_circles": "a count of the mentor's own circles: no resident data",
}
# name -> (who, method, audited residents: "present" | "house" | "one" | None)
CASES = {
    "groups:list": ("manager", "get", None),
    "groups:house": ("manager", "get", None),
    "groups:detail": ("manager", "get", "present"),
    "groups:edit": ("manager", "get", None),
    "groups:cancel": ("manager", "get", None),
    "groups:attendance": ("mentor", "get", "house"),
    "groups:attendance_saved": ("mentor", "get", None),
    "groups:resident_attendance": ("manager", "get", "one"),
}


def test_every_group_url_is_audited_or_exempt_with_a_reason():
    names = {f"groups:{p.name}" for p in group_urls.urlpatterns}
    assert names == set(CASES) | set(EXEMPT)


@pytest.fixture
def world(house, manager, mentor):
    session = f.GroupSessionFactory(house=house, facilitator_mentors=[mentor])
    residents = f.ResidentFactory.create_batch(3, house=house)
    for resident in residents[:2]:
        Attendance.objects.create(session=session, resident=resident)
    return {"session": session, "residents": residents, "manager": manager, "mentor": mentor.user}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_group_url_writes_its_audit_rows(client, world, name):
    who, _method, residents = CASES[name]
    session = world["session"]
    client.force_login(world[who])
    if name == "groups:list":
        url = reverse(name)
    elif name == "groups:house":
        url = reverse(name, args=[session.house_id])
    elif name == "groups:resident_attendance":
        url = reverse(name, args=[world["residents"][0].pk])
    else:
        url = reverse(name, args=[session.pk])
    before = AuditEvent.objects.count()
    assert client.get(url).status_code == 200
    rows = list(AuditEvent.objects.order_by("id")[before:])
    assert rows and all(r.user == world[who] and r.path == url for r in rows)
    expected = {
        None: {None},
        "present": {r.pk for r in world["residents"][:2]},
        "house": {r.pk for r in world["residents"]},
        "one": {world["residents"][0].pk},
    }[residents]
    assert {r.resident_id for r in rows} == expected


def test_saving_attendance_writes_a_change_row_per_resident(client, world):
    client.force_login(world["mentor"])
    present = world["residents"][1:]
    before = AuditEvent.objects.count()
    client.post(
        reverse("groups:attendance", args=[world["session"].pk]),
        {"residents": [r.pk for r in present], "guests": "0", "idempotency_key": str(uuid.uuid4())},
    )
    rows = list(AuditEvent.objects.order_by("id")[before:])
    assert {(r.action, r.resident_id) for r in rows} == {("change", r.pk) for r in present}
