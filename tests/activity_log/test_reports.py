"""Reports page: filters, bad input, CSV, printable page, scope in every export, audit, queries."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.reports.rollup import rollup_rebuild
from mentoring_site.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db

PAGE = reverse("activity_log:reports")
CSV = reverse("activity_log:reports_csv")
FUNDER = reverse("activity_log:reports_funder_csv")
PRINT = reverse("activity_log:reports_print")
EVERY_URL = [PAGE, CSV, FUNDER, PRINT]


def rows(response) -> dict[tuple[str, str], str]:
    reader = csv.reader(io.StringIO(response.content.decode()))
    next(reader)
    return {(section, measure): value for section, measure, value in reader}


def _contacts(house, n: int, name: str) -> None:
    pairing = f.PairingFactory(resident__house=house, resident__preferred_name=name)
    for i in range(n):
        f.ContactLogFactory(pairing=pairing, happened_at=timezone.now() - dt.timedelta(days=i + 1))
    rollup_rebuild()  # factories skip the services that keep the roll-up in step


@pytest.mark.parametrize("url", EVERY_URL)
def test_anonymous_users_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("url", EVERY_URL)
def test_mentors_get_404(as_user, mentor, url):
    assert as_user(mentor.user).get(url).status_code == 404


def test_without_dates_the_page_shows_the_last_30_days(as_user, manager, house):
    response = as_user(manager).get(PAGE)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.period.end == timezone.localdate()
    assert report.period.days == 30


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-03-10", "end": "2026-03-01"}, "on or after the start date"),
        ({"start": "2001-01-01", "end": "2026-01-01"}, "at most 731 days"),
        ({"start": "2026-01-01", "end": "2999-01-01"}, "can&#x27;t be in the future"),
        ({"start": "yesterday", "end": "2026-01-01"}, "Enter a valid date"),
        ({"start": "2026-01-01", "end": ""}, "This field is required"),
        ({"start": "<script>", "end": "2026-01-01"}, "Enter a valid date"),
    ],
)
def test_bad_dates_get_a_clear_message_and_no_report(as_user, manager, house, params, message):
    response = as_user(manager).get(PAGE, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "<script>" not in html.split("<main", 1)[1]
    assert response.context["report"] is None


@pytest.mark.parametrize("url", [CSV, FUNDER, PRINT])
def test_exports_with_bad_dates_go_back_to_the_page(as_user, manager, house, url):
    response = as_user(manager).get(url, {"start": "2026-03-10", "end": "2026-03-01"})
    assert response.status_code == 302
    assert response["Location"].startswith(PAGE)
    assert not AuditEvent.objects.filter(action="export").exists()


def test_typed_dates_are_kept_in_the_form(as_user, manager, house):
    response = as_user(manager).get(PAGE, {"start": "2026-03-10", "end": "2026-03-01"})
    html = response.content.decode()
    assert 'value="2026-03-10"' in html and 'value="2026-03-01"' in html


def test_manager_cannot_choose_another_managers_house(as_user, manager, house, house2):
    response = as_user(manager).get(PAGE, {"house": house2.pk})
    assert response.context["report"] is None
    assert "Select a valid choice" in response.content.decode()
    assert as_user(manager).get(CSV, {"house": house2.pk}).status_code == 302


@pytest.mark.parametrize("url", [CSV, FUNDER])
def test_a_manager_never_counts_another_house_in_any_export(as_user, manager, house, house2, url):
    _contacts(house, 6, "Quinn")
    _contacts(house2, 9, "Zebedee")
    response = as_user(manager).get(url)
    assert response.status_code == 200
    assert rows(response)[("contacts", "contacts logged")] == "6"
    assert "Zebedee" not in response.content.decode()
    assert "Harbor House" not in response.content.decode()


def test_the_page_and_print_view_show_only_own_house_counts(as_user, manager, house, house2):
    _contacts(house, 6, "Quinn")
    _contacts(house2, 9, "Zebedee")
    for url in (PAGE, PRINT):
        response = as_user(manager).get(url)
        assert response.context["report"].contacts_total == 6
        assert "Harbor House" not in response.content.decode()


def test_admin_csv_counts_every_house_or_the_chosen_one(as_user, program_admin, house, house2):
    _contacts(house, 6, "Quinn")
    _contacts(house2, 9, "Zebedee")
    client = as_user(program_admin)
    assert rows(client.get(CSV))[("contacts", "contacts logged")] == "15"
    filtered = rows(client.get(CSV, {"house": house2.pk}))
    assert filtered[("contacts", "contacts logged")] == "9"
    assert filtered[("scope", "houses")] == "Harbor House"


def test_staff_csv_is_a_download_with_dates_in_the_name(as_user, manager, house):
    response = as_user(manager).get(CSV, {"start": "2026-01-01", "end": "2026-01-31"})
    assert response["Content-Type"].startswith("text/csv")
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="program-report-2026-01-01-to-2026-01-31.csv"'
    )
    data = rows(response)
    assert data[("scope", "from")] == "2026-01-01"
    assert ("check-ins", "on-time share") in data
    assert ("exits", "Graduated, with a mentor") in data


@pytest.mark.parametrize("url", [CSV, FUNDER, PRINT])
def test_every_export_is_audited(as_user, manager, house, url):
    as_user(manager).get(url)
    event = AuditEvent.objects.get()
    assert (event.action, event.object_type, event.resident_id) == ("export", "report", None)


def test_viewing_the_report_page_is_audited_as_a_view(as_user, manager, house):
    as_user(manager).get(PAGE)
    assert AuditEvent.objects.get().action == "view"


def test_printable_page_has_print_css_and_no_navigation(as_user, manager, house):
    html = as_user(manager).get(PRINT).content.decode()
    assert "css/reports.css" in html
    assert "navbar" not in html
    assert "<script" not in html


def test_charts_are_inline_svg_without_style_attributes(as_user, manager, house):
    _contacts(house, 3, "Quinn")
    html = as_user(manager).get(PAGE).content.decode()
    assert '<svg class="chart"' in html
    assert "style=" not in html


def _world(house, size: int) -> None:
    today = timezone.localdate()
    for i in range(size):
        pairing = f.PairingFactory(resident__house=house, resident__birth_year=1960 + i)
        contact = f.ContactLogFactory(pairing=pairing, concern_level="urgent")
        contact.topics.add(f.topic("coping"))
        f.ContactLogFactory(pairing=pairing, acknowledged_at=timezone.now(), concern_level="urgent")
        f.ResidentFactory(house=house, status="graduated", exit_date=today - dt.timedelta(days=2))
        f.RecoveryGoalFactory(resident=pairing.resident, status="achieved", closed_on=today)
        f.TrainingRecordFactory(mentor=pairing.mentor)
    rollup_rebuild()


@pytest.mark.parametrize("size", [1, 8])
@pytest.mark.parametrize("url", [PAGE, CSV, FUNDER])
def test_reports_run_a_fixed_number_of_queries(
    as_user, manager, program_admin, house, size, url, django_assert_max_num_queries
):
    _world(house, size)
    for user in (manager, program_admin):
        client = as_user(user)
        with django_assert_max_num_queries(18):
            response = client.get(url)
        assert response.status_code == 200
