"""Admin pages for sessions, series and attendance: lists with search and filters."""

import pytest
from django.urls import reverse

from activity_log.groups import services
from activity_log.models import Attendance
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(f.AdminUserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("groupsession", {"q": "Budget", "kind__exact": "workshop"}),
        ("groupsession", {"status__exact": "scheduled", "attendance_taken_at__isempty": "1"}),
        ("groupseries", {"q": "meeting", "kind__exact": "house_meeting"}),
        ("attendance", {"q": "Budget", "session__kind": "workshop"}),
    ],
)
def test_admin_lists_search_and_filter(admin_client, house, manager, model, query):
    session = f.GroupSessionFactory(house=house, kind="workshop", title="Budget basics")
    Attendance.objects.create(session=session, resident=f.ResidentFactory(house=house))
    services.group_series_create(
        creator=manager,
        house=house,
        kind="house_meeting",
        title="House meeting",
        starts_on=session.starts_at.date(),
        start_time=session.starts_at.time(),
        until=session.starts_at.date(),
    )
    response = admin_client.get(reverse(f"admin:activity_log_{model}_changelist"), query)
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


def test_admin_session_page_shows_attendance_inline(admin_client, house):
    row = f.AttendanceFactory(session__house=house)
    url = reverse("admin:activity_log_groupsession_change", args=[row.session.pk])
    assert admin_client.get(url).status_code == 200
