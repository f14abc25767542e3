"""The audit row's commit does not wait for the disk on PostgreSQL (mentoring_site/audit.py):
every page writes one, and a synchronous commit cost more than the page itself."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentoring_site.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
@pytest.mark.django_db(transaction=True)  # requests in autocommit, as in production
def test_the_audit_insert_runs_with_synchronous_commit_off(as_user, manager, house):
    client = as_user(manager)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("residents:list"))
    assert response.status_code == 200
    sql = [q["sql"] for q in queries]
    insert = next(
        i for i, q in enumerate(sql) if q.startswith('INSERT INTO "mentoring_site_auditevent"')
    )
    assert sql[insert - 1] == "SET LOCAL synchronous_commit TO OFF"
    assert AuditEvent.objects.filter(user=manager, object_type="residents.resident_list").exists()


def test_inside_an_outer_transaction_the_setting_is_left_alone(as_user, manager, house):
    """Tests (and ATOMIC_REQUESTS) wrap the request: SET LOCAL would reach the outer writes."""
    with CaptureQueriesContext(connection) as queries:
        as_user(manager).get(reverse("residents:list"))
    assert not [q for q in queries if "synchronous_commit" in q["sql"]]


def test_pages_are_still_audited(as_user, manager, house):
    as_user(manager).get(reverse("residents:list"))
    assert AuditEvent.objects.filter(user=manager, object_type="residents.resident_list").exists()
