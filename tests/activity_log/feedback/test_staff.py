"""What managers and mentors see of the feedback: scoped, audited, averages only from five
answers, worrying answers on the dashboard, comments gone at retention."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.feedback import services
from activity_log.feedback.models import FeedbackRequest, FeedbackResponse
from activity_log.privacy import retention
from matching.models import Pairing
from mentoring_site.models import AuditEvent
from residents.models import Resident
from tests import factories as f
from tests.activity_log.feedback.support import pairing_in, response_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def local_mentor(house):
    """A mentor serving only the manager's house (so another house's manager is an outsider)."""
    mentor = f.ClearedMentorFactory(serves_all_houses=False, user__first_name="Kim")
    mentor.houses.set([house])
    return mentor


@pytest.fixture
def pairing(house, local_mentor):
    return pairing_in(house, local_mentor)


@pytest.fixture
def answer(pairing):
    return response_for(pairing, shows_up=2, comment="He missed two meetings.")


def _urls(pairing, answer):
    request = services.feedback_request_create(
        pairing=pairing, trigger=FeedbackRequest.Trigger.FOURTH_CONTACT
    ) or FeedbackRequest.objects.get(trigger=FeedbackRequest.Trigger.FOURTH_CONTACT)
    rid = pairing.resident_id
    return [
        ("get", reverse("activity_log:feedback_resident", args=[rid])),
        ("post", reverse("activity_log:feedback_request_new", args=[rid])),
        ("post", reverse("activity_log:feedback_request_slip", args=[request.pk])),
        ("get", reverse("activity_log:feedback_response", args=[answer.pk])),
        ("get", reverse("activity_log:feedback_mentor", args=[pairing.mentor_id])),
    ]


def test_the_owner_manager_and_an_admin_open_every_staff_url(
    as_user, manager, program_admin, pairing, answer
):
    for user in (manager, program_admin):
        client = as_user(user)
        for method, url in _urls(pairing, answer):
            assert getattr(client, method)(url).status_code == 200, url


def test_outsiders_get_404_and_anonymous_users_go_to_sign_in(
    as_user, client, manager2, house2, pairing, answer, mentor
):
    urls = _urls(pairing, answer)
    # The pairing's own mentor too: a mentor never sees answers, comments or slips.
    for user in (manager2, pairing.mentor.user, mentor.user):
        c = as_user(user)
        for method, url in urls:
            assert getattr(c, method)(url).status_code == 404, (user, url)
    client.logout()
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    assert not FeedbackRequest.objects.filter(created_by__isnull=False).exists()


def test_the_resident_section_lists_answers_with_dates_and_is_audited(
    as_user, manager, pairing, answer
):
    response = as_user(manager).get(
        reverse("activity_log:feedback_resident", args=[pairing.resident_id])
    )
    body = response.content.decode()
    assert "He missed two meetings." in body
    assert answer.submitted_at.strftime("%b") in body
    event = AuditEvent.objects.get()
    assert (event.action, event.resident_id) == ("view", pairing.resident_id)


def test_the_resident_page_and_mentor_page_load_the_slots(as_user, manager, pairing):
    client = as_user(manager)
    page = client.get(reverse("residents:detail", args=[pairing.resident_id])).content.decode()
    assert reverse("activity_log:feedback_resident", args=[pairing.resident_id]) in page
    page = client.get(reverse("mentors:detail", args=[pairing.mentor_id])).content.decode()
    assert reverse("activity_log:feedback_mentor", args=[pairing.mentor_id]) in page


# --- Averages -----------------------------------------------------------------------------------


def test_averages_stay_hidden_until_five_answers(as_user, manager, house, local_mentor):
    url = reverse("activity_log:feedback_mentor", args=[local_mentor.pk])
    for _ in range(4):
        response_for(pairing_in(house, local_mentor), shows_up=5, listens=3, helps_goals=4)
    body = as_user(manager).get(url).content.decode()
    assert "Not enough responses yet" in body
    assert "5.0" not in body
    response_for(pairing_in(house, local_mentor), shows_up=5, listens=3, helps_goals=4)
    body = as_user(manager).get(url).content.decode()
    assert "Not enough responses yet" not in body
    assert "5.0" in body and "3.0" in body and "4.0" in body


def test_the_last_90_days_hide_apart_from_all_time(as_user, manager, house, local_mentor):
    for days_ago in (1, 2, 200, 201, 202):
        response_for(pairing_in(house, local_mentor), days_ago=days_ago, listens=2)
    response = as_user(manager).get(reverse("activity_log:feedback_mentor", args=[local_mentor.pk]))
    body = response.content.decode()
    assert "fewer than 5 answers in the last 90 days" in body
    assert "2.0" in body  # all time shows


def test_the_mentor_sees_only_their_own_averages_from_five(as_user, house, local_mentor, mentor):
    client = as_user(local_mentor.user)
    url = reverse("activity_log:feedback_mine")
    for _ in range(4):
        response_for(pairing_in(house, local_mentor), listens=1, comment="secret words")
    response_for(pairing_in(house, mentor), listens=5)  # someone else's
    body = client.get(url).content.decode()
    assert "Not enough responses yet" in body and "so far" not in body
    response_for(pairing_in(house, local_mentor), listens=1)
    body = client.get(url).content.decode()
    assert "1.0" in body
    assert "secret words" not in body
    progress = client.get(reverse("activity_log:my_progress")).content.decode()
    assert url in progress
    assert as_user(mentor.user).get(url).status_code == 200


# --- Needs attention ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "flagged"),
    [
        ({"shows_up": 2}, True),
        ({"listens": 1}, True),
        ({"helps_goals": 2}, True),
        ({"wants_new_mentor": True}, True),
        ({"shows_up": 3, "listens": 3, "helps_goals": 3}, False),
    ],
)
def test_a_low_score_or_wanting_another_mentor_needs_attention(
    as_user, manager, pairing, scores, flagged
):
    answer = response_for(pairing, **scores)
    assert answer.is_worrying is flagged
    assert FeedbackResponse.objects.worrying().filter(pk=answer.pk).exists() is flagged
    response = as_user(manager).get(reverse("activity_log:dashboard"))
    body = response.content.decode()
    link = reverse("activity_log:feedback_response", args=[answer.pk])
    assert (link in body) is flagged
    assert response.context["feedback"].total == int(flagged)


def test_old_worrying_answers_and_other_houses_stay_off_the_dashboard(
    as_user, manager2, manager, house2, pairing
):
    response_for(pairing, days_ago=31, shows_up=1)
    response_for(pairing_in(house2, f.ClearedMentorFactory()), shows_up=1)
    assert as_user(manager).get(reverse("activity_log:dashboard")).context["feedback"].total == 0
    assert as_user(manager2).get(reverse("activity_log:dashboard")).context["feedback"].total == 1


# --- Query counts -------------------------------------------------------------------------------


def _answers(house, mentor, resident, n):
    for i in range(n):
        p = f.PairingFactory(
            mentor=mentor,
            resident=resident if resident else f.ResidentFactory(house=house),
            status=Pairing.Status.ENDED,
            started_on=timezone.localdate() - dt.timedelta(days=60),
            ended_on=timezone.localdate(),
        )
        response_for(p, shows_up=1 + i % 5, comment=f"note {i}")
        services.feedback_request_create(pairing=p, trigger="pairing_ended")


@pytest.mark.parametrize("size", [1, 12])
def test_the_sections_run_a_fixed_number_of_queries(
    as_user, manager, house, local_mentor, size, django_assert_max_num_queries
):
    resident = f.ResidentFactory(house=house)
    _answers(house, local_mentor, resident, size)
    _answers(house, local_mentor, None, size)
    client = as_user(manager)
    # +2 for texting the link: the consent and the texts of the waiting requests (+1, the STOP
    # list, when the resident's phone can take texts).
    with django_assert_max_num_queries(11):
        client.get(reverse("activity_log:feedback_resident", args=[resident.pk]))
    with django_assert_max_num_queries(8):
        client.get(reverse("activity_log:feedback_mentor", args=[local_mentor.pk]))
    client = as_user(local_mentor.user)
    with django_assert_max_num_queries(7):
        client.get(reverse("activity_log:feedback_mine"))


# --- Retention ----------------------------------------------------------------------------------


def test_anonymising_keeps_the_numbers_and_clears_the_comment(house, pairing, answer):
    Resident.objects.filter(pk=pairing.resident_id).update(
        status=Resident.Status.MOVED_OUT, exit_date=timezone.localdate()
    )
    retention.resident_anonymise(resident=Resident.objects.get(pk=pairing.resident_id))
    answer.refresh_from_db()
    assert answer.comment == ""
    assert (answer.shows_up, answer.listens, answer.helps_goals) == (2, 4, 4)
