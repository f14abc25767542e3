"""Recovery capital (BARC-10): scoring, who may enter a check, the resident's own link, the
90-day "due" rule (Python and SQL agree), the chart with the change since the first check."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from activity_log.feedback import instruments, selectors, services
from activity_log.feedback.models import AssessmentLink, RecoveryAssessment
from activity_log.reports.scope import Scope, scope_for
from residents.models import House
from tests import factories as f
from tests.activity_log.feedback.support import pairing_in

pytestmark = pytest.mark.django_db

BARC = instruments.BARC_10


def form(values) -> dict:
    return {f"q{n}": str(v) for n, v in enumerate(values, start=1)}


@pytest.fixture
def resident(house):
    return f.ResidentFactory(house=house, preferred_name="Robin")


def record(resident, total_each: int, *, days_ago: int = 0):
    a = services.assessment_record(
        resident=resident, answers=[total_each] * 10, source="manager", entered_by=None
    )
    RecoveryAssessment.objects.filter(pk=a.pk).update(
        taken_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    return a


# --- The instrument -----------------------------------------------------------------------------


def test_barc10_has_ten_statements_on_a_six_point_scale_totalling_10_to_60():
    assert len(BARC.statements) == 10
    assert [label for _, label in BARC.scale] == [
        "Strongly disagree",
        "Disagree",
        "Somewhat disagree",
        "Somewhat agree",
        "Agree",
        "Strongly agree",
    ]
    assert (BARC.min_total, BARC.max_total) == (10, 60)
    assert BARC.score([1] * 10) == 10
    assert BARC.score([6] * 10) == 60
    assert BARC.score([1, 2, 3, 4, 5, 6, 1, 2, 3, 4]) == 31


@pytest.mark.parametrize("answers", [[3] * 9, [3] * 11, [0] + [3] * 9, [7] + [3] * 9])
def test_incomplete_or_out_of_scale_answers_are_refused(answers):
    with pytest.raises(ValidationError):
        BARC.score(answers)


# --- The due rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moved_in_days_ago", "checked_days_ago", "due"),
    [
        (60, None, True),  # none since intake
        (60, 10, False),
        (200, 89, False),
        (200, 91, True),  # none in 90 days
        (5, 20, True),  # a check from before this move-in does not count
        (5, 0, False),
    ],
)
def test_due_for_a_recovery_check_python_and_sql_agree(
    house, manager, moved_in_days_ago, checked_days_ago, due
):
    today = timezone.localdate()
    resident = f.ResidentFactory(
        house=house, move_in_date=today - dt.timedelta(days=moved_in_days_ago)
    )
    latest = None
    if checked_days_ago is not None:
        latest = record(resident, 3, days_ago=checked_days_ago)
        latest.refresh_from_db()
    python = selectors.recovery_check_due(
        move_in_date=resident.move_in_date, latest=latest.taken_at if latest else None
    )
    sql = resident.pk in selectors.due_resident_ids([resident])
    listed = selectors.residents_due_recovery_check(Scope(user=manager))
    assert python is sql is due
    assert (resident in listed.rows) is due


# --- Entering a check ---------------------------------------------------------------------------


def test_a_manager_records_a_check_from_the_resident_page(as_user, manager, resident):
    client = as_user(manager)
    url = reverse("activity_log:assessment_new", args=[resident.pk])
    page = client.get(url).content.decode()
    assert str(BARC.statements[0]) in page and "Strongly agree" in page
    response = client.post(url, form([4] * 10))
    assert response.status_code == 302
    a = RecoveryAssessment.objects.get()
    assert (a.total, a.source, a.entered_by, a.answers) == (40, "manager", manager, [4] * 10)


def test_a_missing_answer_is_explained_and_the_others_kept(as_user, manager, resident):
    url = reverse("activity_log:assessment_new", args=[resident.pk])
    data = form([5] * 10)
    del data["q7"]
    response = as_user(manager).post(url, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose how much you agree." in body
    assert body.count("checked") == 9
    assert not RecoveryAssessment.objects.exists()


def test_a_mentor_records_a_check_with_consent(as_user, mentor, resident):
    pairing = pairing_in(resident.house, mentor)
    pairing.resident = resident
    pairing.save()
    f.ConsentRecordFactory(resident=resident, shares_goals=True)
    url = reverse("activity_log:assessment_new_by_mentor", args=[pairing.pk])
    response = as_user(mentor.user).post(url, form([2] * 10))
    assert response.status_code == 302
    a = RecoveryAssessment.objects.get()
    assert (a.total, a.source, a.entered_by) == (20, "mentor", mentor.user)


@pytest.mark.parametrize("consent", [None, False])
def test_a_mentor_cannot_record_without_consent_to_share(as_user, mentor, resident, consent):
    pairing = f.PairingFactory(mentor=mentor, resident=resident)
    if consent is not None:
        f.ConsentRecordFactory(resident=resident, shares_goals=consent)
    url = reverse("activity_log:assessment_new_by_mentor", args=[pairing.pk])
    response = as_user(mentor.user).post(url, form([2] * 10))
    assert response.status_code == 403
    assert "needs the resident's consent" in response.content.decode()
    assert not RecoveryAssessment.objects.exists()


def test_another_mentors_pairing_answers_404(as_user, mentor, mentor2, resident):
    pairing = f.PairingFactory(mentor=mentor2, resident=resident)
    f.ConsentRecordFactory(resident=resident, shares_goals=True)
    url = reverse("activity_log:assessment_new_by_mentor", args=[pairing.pk])
    assert as_user(mentor.user).get(url).status_code == 404


# --- The resident's own link ----------------------------------------------------------------------


def test_a_resident_takes_the_check_by_a_one_time_link(as_user, client, manager, resident):
    slip = as_user(manager).post(reverse("activity_log:assessment_link_new", args=[resident.pk]))
    assert slip.status_code == 200 and "<svg" in slip.content.decode()
    token = slip.content.decode().split("/f/r/")[1].split("/")[0]
    assert AssessmentLink.objects.get().token_hash == services.token_hash(token)
    client.logout()
    url = reverse("activity_log:assessment_by_link", args=[token])
    page = client.get(url)
    assert page.status_code == 200
    assert "Robin" not in page.content.decode()
    assert client.post(url, form([5] * 10)).status_code == 200
    a = RecoveryAssessment.objects.get()
    assert (a.resident, a.total, a.source, a.entered_by) == (resident, 50, "resident_link", None)
    again = client.post(url, form([1] * 10))
    assert again.status_code == 404 and "no longer works" in again.content.decode()
    assert RecoveryAssessment.objects.count() == 1


def test_an_expired_or_forged_assessment_link_shows_a_kind_page(client, manager, resident):
    token = services.assessment_link_issue(resident=resident, by=manager)
    AssessmentLink.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    for bad in (token, "forged-token"):
        response = client.get(reverse("activity_log:assessment_by_link", args=[bad]))
        assert response.status_code == 404
        assert "no longer works" in response.content.decode()


# --- Pages ----------------------------------------------------------------------------------------


def test_the_resident_section_charts_totals_with_the_change_since_the_first_check(
    as_user, manager, resident
):
    record(resident, 3, days_ago=100)  # 30
    record(resident, 4, days_ago=5)  # 40
    body = (
        as_user(manager)
        .get(reverse("activity_log:recovery_resident", args=[resident.pk]))
        .content.decode()
    )
    assert '<svg class="chart"' in body
    assert "+10" in body and "since the first check" in body
    assert "Due for a recovery check" not in body


def test_the_dashboard_counts_residents_due_and_links_to_the_list(
    as_user, manager, house, house2, resident
):
    # A made-up name: a random one could be "Robin", which the list shows.
    checked = f.ResidentFactory(house=house, preferred_name="Quillon")
    record(checked, 3, days_ago=1)
    f.ResidentFactory(house=house2)
    client = as_user(manager)
    dashboard = client.get(reverse("activity_log:dashboard"))
    assert dashboard.context["recovery_due"].total == 1
    listing = client.get(reverse("activity_log:recovery_due")).content.decode()
    assert "Robin" in listing
    assert checked.preferred_name not in listing


def test_the_due_list_shows_each_row_in_the_page_language_with_fixed_queries(
    as_user, manager, house, django_assert_max_num_queries
):
    moved_in = dt.date(2026, 2, 3)
    first = f.ResidentFactory(house=house, preferred_name="Quillon", move_in_date=moved_in)
    client = as_user(manager)
    url = reverse("activity_log:recovery_due")
    client.get(url)  # warm the session and role caches
    with django_assert_max_num_queries(10) as small:
        html = client.get(url).content.decode()
    row = html[html.index("Quillon") :]
    row = row[: row.index("</li>")]
    assert f"{house.name} · moved in Feb 3, 2026" in row
    assert reverse("activity_log:assessment_new", args=[first.pk]) in row
    assert f'href="{reverse("residents:detail", args=[first.pk])}"' in html
    f.ResidentFactory.create_batch(12, house=house)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        html = client.get(url).content.decode()
    assert len(large.captured_queries) == len(small.captured_queries)
    assert html.count("moved in ") == 13
    client.post(reverse("set_language"), {"language": "es"})
    spanish = client.get(url).content.decode()
    assert "llegó el 3 feb 2026" in spanish


def test_my_mentees_flags_a_mentee_due_for_a_check(as_user, mentor, house):
    due = pairing_in(house, mentor)
    fresh = pairing_in(house, mentor)
    record(fresh.resident, 3, days_ago=1)
    body = as_user(mentor.user).get(reverse("activity_log:my_mentees")).content.decode()
    assert body.count("Recovery check due") == 1
    assert reverse("activity_log:assessment_new_by_mentor", args=[due.pk]) in body


def _staff_urls(resident):
    return [
        ("get", reverse("activity_log:recovery_resident", args=[resident.pk])),
        ("get", reverse("activity_log:assessment_new", args=[resident.pk])),
        ("post", reverse("activity_log:assessment_link_new", args=[resident.pk])),
    ]


def test_staff_urls_are_scoped(as_user, client, manager, manager2, program_admin, mentor, resident):
    f.PairingFactory(mentor=mentor, resident=resident)
    for user in (manager, program_admin):
        c = as_user(user)
        for method, url in _staff_urls(resident):
            assert getattr(c, method)(url).status_code == 200, url
    for user in (manager2, mentor.user):
        c = as_user(user)
        for method, url in _staff_urls(resident):
            assert getattr(c, method)(url).status_code == 404, (user, url)
    assert as_user(mentor.user).get(reverse("activity_log:recovery_due")).status_code == 404
    client.logout()
    for method, url in [*_staff_urls(resident), ("get", reverse("activity_log:recovery_due"))]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not AssessmentLink.objects.filter(created_by__in=[manager2, mentor.user]).exists()


@pytest.mark.parametrize("size", [1, 10])
def test_the_recovery_section_and_due_list_run_a_fixed_number_of_queries(
    as_user, manager, house, resident, size, django_assert_max_num_queries
):
    for i in range(size):
        record(resident, 1 + i % 6, days_ago=200 - i)
        f.ResidentFactory(house=house)
    client = as_user(manager)
    with django_assert_max_num_queries(8):
        client.get(reverse("activity_log:recovery_resident", args=[resident.pk]))
    with django_assert_max_num_queries(9):
        client.get(reverse("activity_log:recovery_due"))


def test_the_saved_contact_page_offers_the_mentor_a_recovery_check(as_user, mentor, resident):
    import datetime as dt

    from activity_log.contacts.services import contact_log

    pairing = f.PairingFactory(mentor=mentor, resident=resident)
    contact = contact_log(
        pairing=pairing,
        author=mentor.user,
        happened_at=timezone.now() - dt.timedelta(hours=1),
    )
    page = as_user(mentor.user).get(reverse("activity_log:contact_saved", args=[contact.pk]))
    url = reverse("activity_log:assessment_new_by_mentor", args=[pairing.pk])
    assert url in page.content.decode()


def test_the_dashboard_count_is_the_size_of_the_due_list(manager, house, house2):
    """The dashboard card counts (no rows); the same residents as the list on its own page."""
    for _ in range(3):
        f.ResidentFactory(house=house)
    f.ResidentFactory(house=house2)  # not the manager's
    houses = list(House.objects.visible_to(manager))
    scope = scope_for(manager, None, houses, all_houses=False)
    assert selectors.count_residents_due_recovery_check(scope) == (
        selectors.residents_due_recovery_check(scope).total
    )
    assert selectors.count_residents_due_recovery_check(scope) == 3
