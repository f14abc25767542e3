"""Admins search the audit trail by user, resident and dates, and export it as CSV."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring_site.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = reverse("activity_log:audit_search")
EXPORT = reverse("activity_log:audit_export")


def _event(user, resident_id, action="view", days_ago=0):
    event = AuditEvent.objects.create(
        user=user,
        action=action,
        object_type="residents.resident",
        object_id=str(resident_id),
        resident_id=resident_id,
        path=f"/residents/{resident_id}/",
        ip="10.1.2.3",
    )
    if days_ago:
        # Test set-up only: the model refuses updates, raw SQL in a test does not.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE mentoring_site_auditevent SET at = %s WHERE id = %s",
                [timezone.now() - dt.timedelta(days=days_ago), event.pk],
            )
    return event


@pytest.fixture
def trail(manager, manager2):
    _event(manager, 11)
    _event(manager, 12, action="change")
    _event(manager2, 11, days_ago=400)
    return manager, manager2


def test_admin_sees_every_event_newest_first(as_user, program_admin, trail):
    response = as_user(program_admin).get(URL)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 3


def test_it_filters_by_user(as_user, program_admin, trail):
    response = as_user(program_admin).get(URL, {"user_email": "MANAGER2@example.org"})
    events = list(response.context["page"].object_list)
    assert [e.user.email for e in events] == ["manager2@example.org"]


def test_it_filters_by_resident_and_this_year(as_user, program_admin, trail):
    today = timezone.localdate()
    response = as_user(program_admin).get(
        URL, {"resident_id": 11, "date_from": today.replace(month=1, day=1).isoformat()}
    )
    events = list(response.context["page"].object_list)
    assert len(events) == 1
    assert events[0].user.email == "manager@example.org"


def test_bad_dates_are_explained_and_kept(as_user, program_admin, trail):
    today = timezone.localdate()
    response = as_user(program_admin).get(
        URL,
        {
            "date_from": today.isoformat(),
            "date_to": (today - dt.timedelta(days=3)).isoformat(),
            "resident_id": "-4",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "The end date is before the start date." in body
    assert "-4" in body
    assert response.context["page"] is None


def test_future_dates_are_refused(as_user, program_admin):
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    response = as_user(program_admin).get(URL, {"date_to": future})
    assert "cannot be in the future" in response.content.decode()


def test_csv_export_has_the_same_rows_and_is_audited(as_user, program_admin, trail):
    response = as_user(program_admin).get(EXPORT, {"resident_id": 11})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["time", "user", "action"]
    assert sorted(r[1] for r in rows[1:]) == ["manager2@example.org", "manager@example.org"]
    export = AuditEvent.objects.filter(action="export").get()
    assert export.user == program_admin
    assert export.resident_id == 11


def test_managers_and_mentors_get_404(as_user, manager, mentor):
    assert as_user(manager).get(URL).status_code == 404
    assert as_user(manager).get(EXPORT).status_code == 404
    assert as_user(mentor.user).get(URL).status_code == 404


def test_anonymous_is_sent_to_login(client):
    assert reverse("account_login") in client.get(URL)["Location"]
    assert reverse("account_login") in client.get(EXPORT)["Location"]


def test_the_page_runs_a_fixed_number_of_queries(
    as_user, program_admin, django_assert_max_num_queries
):
    client = as_user(program_admin)
    for size in (3, 30):
        for _ in range(size):
            _event(f.ManagerUserFactory(totp=False), 5)
        with django_assert_max_num_queries(8):
            client.get(URL)
