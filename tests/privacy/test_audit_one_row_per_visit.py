"""One audit row per resident-page visit (issue 21): the page and the htmx sections it loads
(pairings, contact timeline, group attendance) write one "viewed" row, not four. A section
opened on its own, or with a token that is not this user's visit of this resident, still writes
its own row. "Who accessed this record" says what was viewed."""

import re

import pytest
from django.core import signing
from django.urls import reverse

from mentoring_site import audit
from mentoring_site.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db

SECTIONS = [
    "matching:resident_pairings",
    "activity_log:resident_timeline",
    "groups:resident_attendance",
    "activity_log:feedback_resident",
    "activity_log:recovery_resident",
]


@pytest.fixture
def resident(house):
    resident = f.ResidentFactory(house=house)
    f.PairingFactory(resident=resident)
    return resident


def rows(resident) -> int:
    return AuditEvent.objects.filter(resident_id=resident.pk).count()


def visit(client, resident) -> str:
    response = client.get(reverse("residents:detail", args=[resident.pk]))
    assert response.status_code == 200
    # This visit's own token, also when the page body came from the page cache.
    token = re.search(r'"X-Audit-Visit": "([^"]+)"', response.content.decode()).group(1)
    assert token.count(":") >= 2  # signed and timestamped, not a placeholder
    return token


def open_sections(client, resident, token=None):
    headers = {"HX-Request": "true"}
    if token is not None:
        headers[audit.VISIT_HEADER] = token
    for name in SECTIONS:
        response = client.get(reverse(name, args=[resident.pk]), headers=headers)
        assert response.status_code == 200, name


def test_one_visit_of_the_page_and_its_sections_is_one_row(as_user, manager, resident):
    client = as_user(manager)
    token = visit(client, resident)
    open_sections(client, resident, token)
    assert rows(resident) == 1
    event = AuditEvent.objects.get(resident_id=resident.pk)
    assert (event.action, event.object_type, event.path) == (
        "view",
        "residents.resident",
        reverse("residents:detail", args=[resident.pk]),
    )


def test_a_second_visit_is_a_second_row(as_user, manager, resident):
    client = as_user(manager)
    for _ in range(2):
        open_sections(client, resident, visit(client, resident))
    assert rows(resident) == 2


def test_sections_opened_on_their_own_each_write_a_row(as_user, manager, resident):
    open_sections(as_user(manager), resident)
    assert rows(resident) == len(SECTIONS)


def test_a_token_for_another_resident_does_not_cover_this_one(as_user, manager, house, resident):
    other = f.ResidentFactory(house=house)
    client = as_user(manager)
    token = visit(client, other)
    open_sections(client, resident, token)
    assert rows(resident) == len(SECTIONS)


def test_another_users_token_or_a_forged_one_does_not_count(as_user, manager, house, resident):
    colleague = f.ManagerUserFactory()
    house.managers.add(colleague)
    token = visit(as_user(colleague), resident)
    client = as_user(manager)
    open_sections(client, resident, token)
    forged = signing.dumps([manager.pk, resident.pk], salt="another salt")
    open_sections(client, resident, forged)
    open_sections(client, resident, "not-a-token")
    assert rows(resident) == 1 + 3 * len(SECTIONS)


def test_the_access_list_says_what_was_viewed(as_user, manager, resident):
    client = as_user(manager)
    open_sections(client, resident, visit(client, resident))
    client.get(reverse("matching:resident_pairings", args=[resident.pk]))  # on its own
    html = client.get(reverse("activity_log:resident_access", args=[resident.pk])).content
    text = " ".join(html.decode().split())
    assert (
        "viewed resident page (profile, goals, consent, pairings, contacts, groups, feedback, recovery checks)"
        in text
    )
    assert "viewed mentor pairings" in text
    assert text.count("· viewed ") == 2
