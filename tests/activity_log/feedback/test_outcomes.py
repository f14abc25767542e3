"""The outcomes report: response rate, averages by house, BARC change and share improved, goals
achieved by achieved date; small cells suppressed like the funder export."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.feedback import reports as outcome_reports
from activity_log.feedback import services
from activity_log.feedback.models import FeedbackRequest, RecoveryAssessment
from activity_log.reports.scope import Period, Scope
from tests import factories as f
from tests.activity_log.feedback.support import pairing_in, response_for

pytestmark = pytest.mark.django_db


def _check(resident, each: int, days_ago: int):
    a = services.assessment_record(
        resident=resident, answers=[each] * 10, source="manager", entered_by=None
    )
    RecoveryAssessment.objects.filter(pk=a.pk).update(
        taken_at=timezone.now() - dt.timedelta(days=days_ago)
    )


def _world(house, mentor, n: int):
    for i in range(n):
        pairing = pairing_in(house, mentor)
        request = services.feedback_request_create(pairing=pairing, trigger="manual")
        services.feedback_link_issue(request=request)
        if i % 2 == 0:
            FeedbackRequest.objects.filter(pk=request.pk).update(used_at=timezone.now())
        response_for(pairing, shows_up=4, listens=2, helps_goals=5)
        _check(pairing.resident, 2, days_ago=60)
        _check(pairing.resident, 3 if i % 3 else 1, days_ago=5)  # +10, or -10 every third
        f.RecoveryGoalFactory(
            resident=pairing.resident,
            status="achieved",
            closed_on=timezone.localdate() - dt.timedelta(days=3),
        )


def test_the_figures_with_enough_people(house, mentor, manager):
    _world(house, mentor, 15)
    found = outcome_reports.build(Scope(user=manager), Period.last_days(30))
    assert (found.links_printed, found.answered) == ("15", "8")
    assert found.response_rate == pytest.approx(8 / 15)
    row = found.by_house[0]
    assert (row.house, row.answers, row.shows_up, row.listens) == ("Maple House", "15", 4, 2)
    assert found.residents_with_two_checks == "15"
    # Changes: +10 ten times, -10 five times.
    assert found.average_change == pytest.approx(50 / 15)
    assert found.improved_share == pytest.approx(10 / 15)
    assert found.goals_achieved == "15"


def test_a_share_with_a_small_side_is_hidden(house, mentor, manager):
    _world(house, mentor, 6)  # 3 of 6 answered; 4 of 6 improved
    found = outcome_reports.build(Scope(user=manager), Period.last_days(30))
    assert (found.links_printed, found.answered) == ("6", "<5")
    assert found.response_rate is None and found.improved_share is None
    assert found.average_change == pytest.approx(10 / 3)


def test_small_numbers_are_suppressed(house, mentor, manager):
    _world(house, mentor, 3)
    found = outcome_reports.build(Scope(user=manager), Period.last_days(30))
    assert found.links_printed == "<5"
    assert found.by_house[0].answers == "<5" and found.by_house[0].shows_up is None
    assert found.residents_with_two_checks == "<5"
    assert found.average_change is None and found.improved_share is None
    assert found.goals_achieved == "<5"


def test_goals_count_by_achieved_date(house, mentor, manager):
    resident = f.ResidentFactory(house=house)
    for days_ago in (1, 2, 3, 4, 5, 40):
        f.RecoveryGoalFactory(
            resident=resident,
            status="achieved",
            closed_on=timezone.localdate() - dt.timedelta(days=days_ago),
        )
    found = outcome_reports.build(Scope(user=manager), Period.last_days(30))
    assert found.goals_achieved == "5"


def test_the_page_is_scoped_and_explains_bad_dates(
    as_user, client, manager, manager2, house, mentor
):
    _world(house, mentor, 5)
    url = reverse("activity_log:outcomes_report")
    page = as_user(manager).get(url)
    assert page.status_code == 200 and "Maple House" in page.content.decode()
    other = as_user(manager2).get(url)
    assert "Maple House" not in other.content.decode()
    bad = as_user(manager).get(url, {"start": "2026-02-01", "end": "2026-01-01"})
    assert bad.status_code == 400
    assert "on or after the start date" in bad.content.decode()
    assert as_user(mentor.user).get(url).status_code == 404
    client.logout()
    assert "/accounts/login/" in client.get(url)["Location"]
    reports_page = as_user(manager).get(reverse("activity_log:reports")).content.decode()
    assert url in reports_page


@pytest.mark.parametrize("size", [5, 12])
def test_the_report_runs_a_fixed_number_of_queries(
    as_user, manager, house, mentor, size, django_assert_max_num_queries
):
    _world(house, mentor, size)
    client = as_user(manager)
    with django_assert_max_num_queries(10):
        client.get(reverse("activity_log:outcomes_report"))
