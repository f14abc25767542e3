"""A mentor sets "away from ... back on ..." (up to 60 days) and lowers their own capacity on
My profile; longer absences and a higher capacity stay with staff."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import Pairing
from mentors.models import Mentor, MentorProfileChange
from tests import factories as f

pytestmark = pytest.mark.django_db

AWAY_URL = reverse("mentors:my_away")
CAPACITY_URL = reverse("mentors:my_capacity")


def day(offset: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=offset)).isoformat()


@pytest.fixture
def pairing(house, mentor):
    return f.PairingFactory(mentor=mentor, resident=f.ResidentFactory(house=house))


@pytest.mark.parametrize("url", [AWAY_URL, CAPACITY_URL])
def test_anonymous_is_sent_to_sign_in(client, url):
    response = client.post(url, {})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("url", [AWAY_URL, CAPACITY_URL])
def test_staff_get_404(as_user, manager, url):
    assert as_user(manager).post(url, {}).status_code == 404


@pytest.mark.parametrize("url", [AWAY_URL, CAPACITY_URL])
def test_get_is_not_allowed(as_user, mentor, url):
    assert as_user(mentor.user).get(url).status_code == 405


def test_another_mentors_post_changes_only_their_own_profile(as_user, mentor, mentor2):
    """There is no id in the URL: a mentor can only ever change their own dates."""
    as_user(mentor2.user).post(AWAY_URL, {"away_from": day(1), "back_on": day(10)})
    mentor.refresh_from_db()
    mentor2.refresh_from_db()
    assert mentor.away_from is None
    assert mentor2.away_from == timezone.localdate() + dt.timedelta(days=1)


def test_setting_away_today_pauses_the_pairings_at_once(
    as_user, mentor, pairing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(mentor.user).post(AWAY_URL, {"away_from": day(0), "back_on": day(14)})
    assert response.status_code == 302
    mentor.refresh_from_db()
    assert mentor.is_away()
    pairing.refresh_from_db()
    assert pairing.status == Pairing.Status.PAUSED
    assert pairing.pause_reason == Pairing.PauseReason.MENTOR_AWAY
    change = MentorProfileChange.objects.get(mentor=mentor, field="away")
    assert change.changed_by == mentor.user
    assert change.old_value == ""


def test_a_planned_absence_pauses_nothing_yet(as_user, mentor, pairing):
    as_user(mentor.user).post(AWAY_URL, {"away_from": day(3), "back_on": day(10)})
    pairing.refresh_from_db()
    assert pairing.status == Pairing.Status.ACTIVE
    page = as_user(mentor.user).get(reverse("mentors:my_profile")).content.decode()
    assert "Away from" in page and 'id="away-state"' in page


def test_clearing_the_dates_resumes_what_the_absence_paused(
    as_user, mentor, pairing, django_capture_on_commit_callbacks
):
    client = as_user(mentor.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(AWAY_URL, {"away_from": day(0), "back_on": day(14)})
    pairing.refresh_from_db()
    assert pairing.pause_reason == Pairing.PauseReason.MENTOR_AWAY
    with django_capture_on_commit_callbacks(execute=True):
        client.post(AWAY_URL, {"away_from": "", "back_on": ""})
    mentor.refresh_from_db()
    pairing.refresh_from_db()
    assert mentor.away_from is None and mentor.back_on is None
    assert pairing.status == Pairing.Status.ACTIVE
    assert pairing.pause_reason == ""


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"away_from": day(0), "back_on": day(61)}, "back_on", "60 days at most"),
        ({"away_from": day(5), "back_on": day(5)}, "back_on", "must be after the first day"),
        ({"away_from": day(-2), "back_on": day(5)}, "away_from", "cannot be in the past"),
        ({"away_from": day(1), "back_on": ""}, "back_on", "Give both dates"),
        ({"away_from": "soon", "back_on": day(5)}, "away_from", "Enter a valid date"),
    ],
)
def test_bad_dates_are_explained_beside_the_field(as_user, mentor, data, field, message):
    response = as_user(mentor.user).post(AWAY_URL, data)
    assert response.status_code == 200
    form = response.context["away_form"]
    assert message in " ".join(form.errors[field])
    # What was typed is kept.
    assert f'value="{data["away_from"]}"' in response.content.decode()
    mentor.refresh_from_db()
    assert mentor.away_from is None


def test_sixty_days_is_allowed(as_user, mentor):
    response = as_user(mentor.user).post(AWAY_URL, {"away_from": day(1), "back_on": day(61)})
    assert response.status_code == 302
    mentor.refresh_from_db()
    assert (mentor.back_on - mentor.away_from).days == 60


def test_an_absence_under_way_cannot_be_stretched_by_moving_its_start(as_user, mentor):
    client = as_user(mentor.user)
    client.post(AWAY_URL, {"away_from": day(0), "back_on": day(50)})
    Mentor.objects.filter(pk=mentor.pk).update(
        away_from=timezone.localdate() - dt.timedelta(days=30)
    )
    response = client.post(AWAY_URL, {"away_from": day(0), "back_on": day(50)})
    assert "that date stays" in " ".join(response.context["away_form"].errors["away_from"])
    # Extending from the original start is held to 60 days too.
    start = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    response = client.post(AWAY_URL, {"away_from": start, "back_on": day(31)})
    assert "60 days at most" in " ".join(response.context["away_form"].errors["back_on"])
    response = client.post(AWAY_URL, {"away_from": start, "back_on": day(30)})
    assert response.status_code == 302


def test_a_mentor_lowers_their_capacity(as_user, mentor):
    mentor.capacity = 3
    mentor.save()
    response = as_user(mentor.user).post(CAPACITY_URL, {"capacity": "1"})
    assert response.status_code == 302
    mentor.refresh_from_db()
    assert mentor.capacity == 1
    change = MentorProfileChange.objects.get(mentor=mentor, field="capacity")
    assert (change.old_value, change.new_value, change.changed_by) == ("3", "1", mentor.user)


def test_raising_capacity_is_refused(as_user, mentor):
    mentor.capacity = 2
    mentor.save()
    response = as_user(mentor.user).post(CAPACITY_URL, {"capacity": "3"})
    assert response.status_code == 200
    assert "Ask your house manager to raise it" in " ".join(
        response.context["capacity_form"].errors["capacity"]
    )
    mentor.refresh_from_db()
    assert mentor.capacity == 2
    assert not MentorProfileChange.objects.filter(mentor=mentor).exists()


def test_capacity_cannot_go_below_current_mentees(as_user, mentor, pairing):
    response = as_user(mentor.user).post(CAPACITY_URL, {"capacity": "0"})
    assert "You have 1 mentees now" in " ".join(
        response.context["capacity_form"].errors["capacity"]
    )
    mentor.refresh_from_db()
    assert mentor.capacity == 3
