"""The two-factor gate and session policy add no database query to an ordinary request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db

GATE = "mentoring_site.security.StaffSessionMiddleware"


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["manager", "mentor"])
def test_the_gate_adds_no_query(client, settings, house, manager, mentor, who, no_page_cache):
    resident = f.ResidentFactory(house=house)
    f.PairingFactory(mentor=mentor, resident=resident)
    user = manager if who == "manager" else mentor.user
    url = (
        reverse("residents:detail", args=[resident.pk])
        if who == "manager"
        else reverse("activity_log:my_mentees")
    )
    client.force_login(user)
    client.get(url)  # warm-up
    with_gate = _queries(client, url)
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != GATE]
    without_gate = _queries(client, url)
    assert with_gate == without_gate
