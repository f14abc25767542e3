"""The reports page's figures cache (activity_log/reports/figures_cache.py) is never stale.

Every kind of write a figure counts, by the app's services, `QuerySet.update()`, M2M changes
and raw SQL, is followed by a request that must equal the live computation, for three scopes
(a program admin over every house, the admin filtered to one house, a manager). Before each
write the cache is warm, so a missed invalidation would show the old figures. PostgreSQL only:
the data version comes from triggers (on SQLite the cache is off).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from activity_log.contacts import services
from activity_log.groups.models import GroupSession
from activity_log.groups.reports import group_figures
from activity_log.models import ReportChange, Topic
from activity_log.reports import figures_cache
from activity_log.reports.funder import build_report, stable_figures
from activity_log.reports.scope import Period, scope_for
from matching.models import Pairing
from mentors.models import Mentor
from residents import services as resident_services
from residents.models import RecoveryGoal, Resident
from tests import factories as f
from tests.activity_log.contact_support import pairing_for

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers: PostgreSQL only"),
]


@pytest.fixture(autouse=True)
def memory_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "report-figures-tests",
        }
    }
    settings.REPORT_FIGURES_CACHE_SECONDS = 600
    from django.core.cache import cache

    cache.clear()
    assert figures_cache.enabled()


def _scopes(program_admin, manager, house, house2):
    return [
        scope_for(program_admin, None, [house, house2], all_houses=True),
        scope_for(program_admin, house2.pk, [house, house2], all_houses=True),
        scope_for(manager, None, [house], all_houses=False),
    ]


def _live(scope, period):
    return stable_figures(scope, period), group_figures(scope, period)


def test_every_kind_of_write_shows_at_once(program_admin, manager, house, house2):
    today = timezone.localdate()
    period = Period.last_days(30, today)
    scopes = _scopes(program_admin, manager, house, house2)
    mentor = f.ClearedMentorFactory()
    pairing = pairing_for(mentor, house=house, days_ago=20)
    resident = pairing.resident
    goal = f.RecoveryGoalFactory(resident=resident)
    session = f.GroupSessionFactory(house=house, created_by=manager)
    topic = Topic.objects.order_by("pk").first()

    def log_contact():
        services.contact_log(
            pairing=pairing,
            author=mentor.user,
            happened_at=timezone.now() - dt.timedelta(hours=2),
            topics=[topic],
        )

    shell_resident = f.ResidentFactory(house=house, move_in_date=today - dt.timedelta(days=90))
    deleted = f.ResidentFactory(house=house2, move_in_date=today - dt.timedelta(days=90))

    def raw_sql():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE residents_resident SET move_in_date = %s WHERE id = %s",
                [today + dt.timedelta(days=1), shell_resident.pk],
            )

    writes = [
        ("a resident moves in", lambda: f.ResidentFactory(house=house, move_in_date=today)),
        ("a contact is logged (roll-up)", log_contact),
        ("a topic is renamed", lambda: Topic.objects.filter(pk=topic.pk).update(name="Renamed")),
        (
            "birth year (update())",
            lambda: Resident.objects.filter(pk=resident.pk).update(birth_year=1950),
        ),
        (
            "a goal is achieved (update())",
            lambda: RecoveryGoal.objects.filter(pk=goal.pk).update(
                status=RecoveryGoal.Status.ACHIEVED, closed_on=today
            ),
        ),
        (
            "training is recorded",
            lambda: f.TrainingRecordFactory(mentor=mentor, completed_on=today, hours=Decimal(3)),
        ),
        (
            "a mentor no longer serves every house (update())",
            lambda: Mentor.objects.filter(pk=mentor.pk).update(serves_all_houses=False),
        ),
        ("a mentor serves a house (M2M)", lambda: mentor.houses.add(house)),
        (
            "attendance is taken",
            lambda: GroupSession.objects.filter(pk=session.pk).update(
                attendance_taken_at=timezone.now()
            ),
        ),
        ("a resident attends", lambda: f.AttendanceFactory(session=session, resident=resident)),
        (
            "a pairing's dates (update())",
            lambda: Pairing.objects.filter(pk=pairing.pk).update(
                started_on=today - dt.timedelta(days=200), ended_on=today - dt.timedelta(days=100)
            ),
        ),
        (
            "a resident moves house",
            lambda: resident_services.resident_update(
                resident=Resident.objects.get(pk=resident.pk), house=house2
            ),
        ),
        (
            "a resident leaves (update())",
            lambda: Resident.objects.filter(pk=resident.pk).update(
                status=Resident.Status.GRADUATED, exit_date=today
            ),
        ),
        ("a database shell", raw_sql),
        ("a resident is deleted", lambda: Resident.objects.filter(pk=deleted.pk).delete()),
    ]
    for what, write in writes:
        before = [_live(scope, period) for scope in scopes]
        for scope in scopes:
            figures_cache.report_figures(scope, period)  # warm
            with CaptureQueriesContext(connection) as queries:
                assert figures_cache.report_figures(scope, period) == _live(scope, period)
        write()
        after = [_live(scope, period) for scope in scopes]
        assert after != before, f"{what}: the test changes no figure"
        for scope, live in zip(scopes, after, strict=True):
            assert figures_cache.report_figures(scope, period) == live, what
    assert len(queries) > 1  # the last comparison computed live figures too


def test_a_hit_costs_one_query_and_a_write_elsewhere_keeps_it(manager, house, house2):
    period = Period.last_days(30)
    scope = scope_for(manager, None, [house], all_houses=False)
    f.ResidentFactory(house=house)
    figures_cache.report_figures(scope, period)
    with CaptureQueriesContext(connection) as queries:
        figures_cache.report_figures(scope, period)
    assert len(queries) == 1, [q["sql"] for q in queries]
    f.ResidentFactory(house=house2)  # another house: this scope's key stays
    with CaptureQueriesContext(connection) as queries:
        figures_cache.report_figures(scope, period)
    assert len(queries) == 1


def test_the_due_fields_a_contact_changes_write_no_change_row(house):
    pairing = pairing_for(f.ClearedMentorFactory(), house=house)
    before = ReportChange.objects.count()
    Pairing.objects.filter(pk=pairing.pk).update(
        overdue_at=timezone.now(), next_due_at=timezone.now(), last_contact_at=timezone.now()
    )
    Resident.objects.filter(pk=pairing.resident_id).update(updated_at=timezone.now())
    assert ReportChange.objects.count() == before


def test_merging_keeps_every_sum(house, house2):
    for _ in range(3):
        f.ResidentFactory(house=house)
        f.ResidentFactory(house=house2)
    f.GroupSessionFactory(house=None)
    versions = [figures_cache.data_version(ids) for ids in (None, (house.pk,), (house2.pk,))]
    figures_cache.merge_changes()
    assert ReportChange.objects.count() <= 3
    assert versions == [
        figures_cache.data_version(ids) for ids in (None, (house.pk,), (house2.pk,))
    ]


def test_the_page_shows_a_write_and_a_house_taken_away_at_once(
    as_user, manager, house, no_page_cache
):
    other = f.HouseFactory(name="Birch House", managers=[manager])
    f.ResidentFactory(house=house)
    leaving = f.ResidentFactory(house=other)
    client = as_user(manager)
    url = reverse("activity_log:reports")
    assert client.get(url).context["report"].residents_served == 2
    assert client.get(url).context["report"].residents_served == 2  # from the cache
    Resident.objects.filter(pk=leaving.pk).update(move_in_date=timezone.localdate())
    assert client.get(url).context["report"].residents_served == 2
    Resident.objects.filter(pk=leaving.pk).update(
        move_in_date=timezone.localdate() + dt.timedelta(days=1)
    )
    assert client.get(url).context["report"].residents_served == 1
    Resident.objects.filter(pk=leaving.pk).update(move_in_date=timezone.localdate())
    assert client.get(url).context["report"].residents_served == 2
    other.managers.remove(manager)
    assert client.get(url).context["report"].residents_served == 1


def test_each_user_has_their_own_entries(as_user, manager, manager2, house, house2, no_page_cache):
    f.ResidentFactory(house=house)
    for _ in range(3):
        f.ResidentFactory(house=house2)
    url = reverse("activity_log:reports")
    assert as_user(manager).get(url).context["report"].residents_served == 1
    assert as_user(manager2).get(url).context["report"].residents_served == 3
    assert as_user(manager).get(url).context["report"].residents_served == 1


def test_one_entry_serves_both_languages(manager, house):
    pairing = pairing_for(f.ClearedMentorFactory(), house=house, days_ago=20)
    services.contact_log(
        pairing=pairing,
        author=pairing.mentor.user,
        happened_at=timezone.now() - dt.timedelta(hours=3),
        topics=[Topic.objects.order_by("pk").first()],
    )
    f.GroupSessionFactory(house=house, created_by=manager, attendance_taken_at=timezone.now())
    scope = scope_for(manager, None, [house], all_houses=False)
    period = Period.last_days(30)
    now = timezone.now()
    figures_cache.report_figures(scope, period)  # kept while English is active
    with translation.override("es"):
        stable, groups = figures_cache.report_figures(scope, period)
        cached = build_report(scope, period, now=now, stable=stable)
        assert cached == build_report(scope, period, now=now)
        assert cached.by_topic and cached.by_method[0][0] != "In person"
        held = [str(label) for label, _ in groups.held_by_kind]
        assert held == [str(label) for label, _ in group_figures(scope, period).held_by_kind]
        assert held[0] != "House meeting"


def test_beat_merges_the_change_rows_hourly(settings, house):
    from activity_log.tasks import merge_report_changes

    assert settings.CELERY_BEAT_SCHEDULE["merge-report-changes"]["task"] == (
        "activity_log.tasks.merge_report_changes"
    )
    for _ in range(3):
        f.ResidentFactory(house=house)
    version = figures_cache.data_version((house.pk,))
    merge_report_changes()
    assert ReportChange.objects.filter(house_id=house.pk).count() == 1
    assert figures_cache.data_version((house.pk,)) == version


# --- The outcomes report (migration activity_log 0015) -------------------------------------------


def test_every_write_an_outcome_counts_shows_at_once(program_admin, manager, house, house2):
    """Feedback links, answers and recovery checks (with goals and residents, watched since
    0013): before each write every scope's outcomes are cached; after it they equal the live
    build. Five of each first, so the small-count rule hides no change."""
    from activity_log.feedback import reports as outcome_reports
    from activity_log.feedback import services as feedback_services
    from activity_log.feedback.models import FeedbackRequest, FeedbackResponse, RecoveryAssessment
    from tests.activity_log.feedback.support import issued_link

    today = timezone.localdate()
    period = Period.last_days(90, today)
    scopes = _scopes(program_admin, manager, house, house2)
    mentor = f.ClearedMentorFactory()
    pairings = [pairing_for(mentor, house=house, days_ago=40) for _ in range(6)]

    def check(resident, total_each):
        return feedback_services.assessment_record(
            resident=resident, answers=[total_each] * 10, source="manager", entered_by=None
        )

    def answer(pairing, score=4):
        _request, token = issued_link(pairing)
        return feedback_services.feedback_submit(
            token=token, shows_up=score, listens=score, helps_goals=score, wants_new_mentor=False
        )

    for pairing in pairings[:5]:
        answer(pairing)
        first = check(pairing.resident, 2)
        RecoveryAssessment.objects.filter(pk=first.pk).update(
            taken_at=timezone.now() - dt.timedelta(days=30)
        )
        check(pairing.resident, 3)
        f.RecoveryGoalFactory(
            resident=pairing.resident, status=RecoveryGoal.Status.ACHIEVED, closed_on=today
        )
    last = pairings[5]
    goal = f.RecoveryGoalFactory(resident=last.resident)
    response = FeedbackResponse.objects.filter(pairing=pairings[0]).get()
    checked = RecoveryAssessment.objects.filter(resident=pairings[1].resident).first()

    writes = [
        ("a feedback link is printed", lambda: issued_link(last)),
        ("a resident answers", lambda: answer(pairings[1], score=1)),
        (
            "an answer's scores (update())",
            lambda: FeedbackResponse.objects.filter(pk=response.pk).update(shows_up=1, listens=1),
        ),
        (
            "links are issued earlier (update())",
            lambda: FeedbackRequest.objects.filter(pairing=last).update(
                issued_at=timezone.now() - dt.timedelta(days=200)
            ),
        ),
        ("a second check", lambda: (check(last.resident, 1), check(last.resident, 4))),
        (
            "a check's total (update())",
            lambda: RecoveryAssessment.objects.filter(pk=checked.pk).update(total=49),
        ),
        (
            "a goal is achieved (update())",
            lambda: RecoveryGoal.objects.filter(pk=goal.pk).update(
                status=RecoveryGoal.Status.ACHIEVED, closed_on=today
            ),
        ),
        ("an answer is deleted", lambda: FeedbackResponse.objects.filter(pk=response.pk).delete()),
        (
            "a resident moves house",
            lambda: resident_services.resident_update(
                resident=Resident.objects.get(pk=pairings[2].resident_id), house=house2
            ),
        ),
    ]
    for what, write in writes:
        before = [outcome_reports.build(scope, period) for scope in scopes]
        for scope, live in zip(scopes, before, strict=True):
            outcome_reports.cached_build(scope, period)  # warm
            assert outcome_reports.cached_build(scope, period) == live
        write()
        after = [outcome_reports.build(scope, period) for scope in scopes]
        assert after != before, f"{what}: the test changes no figure"
        for scope, live in zip(scopes, after, strict=True):
            assert outcome_reports.cached_build(scope, period) == live, what


def test_the_outcomes_page_is_served_from_the_cache_until_a_check_is_recorded(
    as_user, manager, house
):
    from activity_log.feedback import services as feedback_services

    mentor = f.ClearedMentorFactory()
    residents = [pairing_for(mentor, house=house, days_ago=40).resident for _ in range(5)]
    for resident in residents:
        for total_each in (2, 3):
            feedback_services.assessment_record(
                resident=resident, answers=[total_each] * 10, source="manager", entered_by=None
            )
    client = as_user(manager)
    url = reverse("activity_log:outcomes_report")
    assert client.get(url).context["outcomes"].residents_with_two_checks == "5"
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).context["outcomes"].residents_with_two_checks == "5"
    assert not [q for q in queries if "activity_log_recoveryassessment" in q["sql"]]
    feedback_services.assessment_record(
        resident=f.ResidentFactory(house=house), answers=[1] * 10, source="manager", entered_by=None
    )
    feedback_services.assessment_record(
        resident=Resident.objects.filter(house=house).order_by("-pk").first(),
        answers=[2] * 10,
        source="manager",
        entered_by=None,
    )
    assert client.get(url).context["outcomes"].residents_with_two_checks == "6"
