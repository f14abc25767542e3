"""The pairing page and its actions: pause, resume, end, interval, reassign."""

import pytest
from django.urls import reverse
from django.utils import timezone

from matching import checkins
from matching.models import Pairing
from mentoring_site.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def pairing(house, mentor):
    return f.PairingFactory(mentor=mentor, resident__house=house, resident__preferred_name="Ana")


def url(name, pairing, *extra):
    return reverse(f"matching:{name}", args=[pairing.pk, *extra])


def test_the_page_shows_the_pairing_its_due_date_and_history(as_user, manager, pairing, mentor2):
    earlier = f.PairingFactory(
        resident=pairing.resident,
        mentor=mentor2,
        started_on=pairing.started_on.replace(year=pairing.started_on.year - 1),
        status="ended",
        ended_on=pairing.started_on,
        end_reason="not_a_good_fit",
    )
    response = as_user(manager).get(url("detail", pairing))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Next check-in due" in html
    assert reverse("matching:detail", args=[earlier.pk]) in html
    assert "(not a good fit)" in html
    assert 'data-confirm="Pause this pairing?' in html
    event = AuditEvent.objects.get()
    assert (event.action, event.resident_id) == ("view", pairing.resident_id)


def test_an_overdue_pairing_says_so_in_the_words_of_the_phone(as_user, manager, pairing):
    f.set_due(pairing, timezone.now() - timezone.timedelta(days=2))
    html = as_user(manager).get(url("detail", pairing)).content.decode()
    assert pairing.checkin_state().words == "Overdue by 2 days"
    assert "Check-in overdue by 2 days" in html


def test_a_pairing_due_earlier_today_is_due_today_not_overdue(as_user, manager, pairing):
    tz = pairing.zone
    now = timezone.now()
    start_of_today = checkins.start_of_day(now.astimezone(tz).date(), tz)
    f.set_due(pairing, max(start_of_today, now - timezone.timedelta(hours=1)))
    html = as_user(manager).get(url("detail", pairing)).content.decode()
    assert "Check-in due today" in html
    assert "overdue" not in html.lower()


def test_pause_then_resume(as_user, manager, pairing):
    client = as_user(manager)
    response = client.post(url("pause", pairing))
    assert response["Location"] == url("detail", pairing)
    pairing.refresh_from_db()
    assert pairing.status == "paused"
    assert pairing.next_due_at is None
    assert "Resume" in client.get(url("detail", pairing)).content.decode()
    client.post(url("resume", pairing))
    pairing.refresh_from_db()
    assert pairing.status == "active"
    assert pairing.next_due_at == pairing.next_due()


def test_pausing_twice_explains_instead_of_failing(as_user, manager, pairing):
    client = as_user(manager)
    client.post(url("pause", pairing))
    response = client.post(url("pause", pairing), follow=True)
    assert "Only an active pairing can be paused." in response.content.decode()


@pytest.mark.parametrize("name", ["pause", "resume", "interval"])
def test_actions_reject_get(as_user, manager, pairing, name):
    assert as_user(manager).get(url(name, pairing)).status_code == 405


def test_end_asks_for_a_reason_on_a_confirmation_page(as_user, manager, pairing):
    client = as_user(manager)
    page = client.get(url("end", pairing))
    assert page.status_code == 200
    assert "End the pairing of Ana" in page.content.decode()
    response = client.post(url("end", pairing), {"reason": "", "note": "x"})
    assert "Choose why the pairing ends." in response.context["form"].errors["reason"]
    pairing.refresh_from_db()
    assert pairing.status == "active"


def test_end_records_the_reason_and_note(as_user, manager, pairing):
    response = as_user(manager).post(
        url("end", pairing), {"reason": "completed", "note": "<i>Well done</i> ✓"}
    )
    assert response["Location"] == url("detail", pairing)
    pairing.refresh_from_db()
    assert (pairing.status, pairing.end_reason, pairing.end_note) == (
        "ended",
        "completed",
        "<i>Well done</i> ✓",
    )
    html = as_user(manager).get(url("detail", pairing)).content.decode()
    assert "&lt;i&gt;Well done&lt;/i&gt; ✓" in html
    assert AuditEvent.objects.filter(action="change", resident_id=pairing.resident_id).exists()


def test_end_refuses_an_unknown_reason_and_a_huge_note(as_user, manager, pairing):
    client = as_user(manager)
    response = client.post(url("end", pairing), {"reason": "bored", "note": "x" * 501})
    form = response.context["form"]
    assert "reason" in form.errors and "note" in form.errors
    assert response.context["form"]["note"].value() == "x" * 501
    pairing.refresh_from_db()
    assert pairing.status == "active"


def test_interval_change(as_user, manager, pairing):
    response = as_user(manager).post(url("interval", pairing), {"checkin_interval_days": "14"})
    assert response["Location"] == url("detail", pairing)
    pairing.refresh_from_db()
    assert pairing.checkin_interval_days == 14
    assert pairing.next_due_at == pairing.next_due()


@pytest.mark.parametrize("value", ["0", "31", "abc", ""])
def test_interval_outside_1_to_30_is_explained_and_kept(as_user, manager, pairing, value):
    response = as_user(manager).post(url("interval", pairing), {"checkin_interval_days": value})
    assert response.status_code == 200
    assert response.context["interval_form"].errors["checkin_interval_days"]
    pairing.refresh_from_db()
    assert pairing.checkin_interval_days == 7


def test_reassign_suggests_other_mentors(as_user, manager, pairing, mentor, mentor2):
    response = as_user(manager).get(url("reassign", pairing))
    html = response.content.decode()
    assert url("reassign_to", pairing, mentor2.pk) in html
    assert url("reassign_to", pairing, mentor.pk) not in html
    assert "Choosing a mentor below ends that pairing" in html


def test_reassign_ends_the_old_pairing_and_starts_a_new_one(as_user, manager, pairing, mentor2):
    client = as_user(manager)
    assert client.get(url("reassign_to", pairing, mentor2.pk)).status_code == 200
    response = client.post(
        url("reassign_to", pairing, mentor2.pk),
        {"reason": "not_a_good_fit", "note": "", "checkin_interval_days": "7"},
    )
    new = Pairing.objects.get(mentor=mentor2)
    assert response["Location"] == url("detail", new)
    pairing.refresh_from_db()
    assert (pairing.status, pairing.end_reason) == ("ended", "not_a_good_fit")
    assert new.status == "active"


def test_reassign_to_a_full_mentor_changes_nothing(as_user, manager, pairing, house):
    full = f.ClearedMentorFactory(capacity=1)
    f.PairingFactory(mentor=full, resident__house=house)
    response = as_user(manager).post(
        url("reassign_to", pairing, full.pk),
        {"reason": "other", "note": "", "checkin_interval_days": "7"},
    )
    assert "has no free place" in response.content.decode()
    pairing.refresh_from_db()
    assert pairing.status == "active"


def test_reassigning_a_paused_for_unavailability_pairing_suggests_that_reason(
    as_user, manager, pairing, mentor2
):
    Pairing.objects.filter(pk=pairing.pk).update(status="paused", pause_reason="mentor_unavailable")
    response = as_user(manager).get(url("reassign_to", pairing, mentor2.pk))
    assert response.context["form"]["reason"].value() == "mentor_unavailable"


# --- Scope ----------------------------------------------------------------------------------

POSTS = {
    "pause": {},
    "resume": {},
    "end": {"reason": "completed"},
    "interval": {"checkin_interval_days": "3"},
}


@pytest.mark.parametrize("name", ["detail", "end", "reassign"])
def test_another_house_manager_cannot_see_it(as_user, manager2, house2, pairing, name):
    assert as_user(manager2).get(url(name, pairing)).status_code == 404


@pytest.mark.parametrize("name", list(POSTS))
def test_another_house_manager_cannot_change_it(as_user, manager2, house2, pairing, name):
    assert as_user(manager2).post(url(name, pairing), POSTS[name]).status_code == 404
    pairing.refresh_from_db()
    assert (pairing.status, pairing.checkin_interval_days) == ("active", 7)


def test_another_house_manager_cannot_reassign_it(as_user, manager2, house2, pairing, mentor2):
    data = {"reason": "other", "checkin_interval_days": "7"}
    assert as_user(manager2).post(url("reassign_to", pairing, mentor2.pk), data).status_code == 404
    assert Pairing.objects.count() == 1


@pytest.mark.parametrize("name", list(POSTS))
def test_the_mentor_cannot_end_or_change_it(as_user, pairing, mentor, name):
    assert as_user(mentor.user).post(url(name, pairing), POSTS[name]).status_code == 404
    pairing.refresh_from_db()
    assert pairing.status == "active"


@pytest.mark.parametrize("name", ["detail", *POSTS])
def test_anonymous_users_go_to_login(client, pairing, name):
    response = client.post(url(name, pairing), POSTS.get(name, {}))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_an_admin_can_act_on_any_house(as_user, program_admin, pairing):
    as_user(program_admin).post(url("pause", pairing))
    pairing.refresh_from_db()
    assert pairing.status == "paused"


@pytest.mark.parametrize("name", ["reassign", "reassign_to"])
def test_reassign_pages_send_anonymous_users_to_login(client, pairing, mentor2, name):
    target = url(name, pairing, mentor2.pk) if name == "reassign_to" else url(name, pairing)
    response = client.post(target, {"reason": "other", "checkin_interval_days": "7"})
    assert reverse("account_login") in response["Location"]
    assert Pairing.objects.count() == 1


@pytest.mark.parametrize("name", ["reassign", "reassign_to"])
def test_the_mentor_cannot_reassign(as_user, pairing, mentor, mentor2, name):
    target = url(name, pairing, mentor2.pk) if name == "reassign_to" else url(name, pairing)
    client = as_user(mentor.user)
    assert client.get(target).status_code == 404
    data = {"reason": "other", "checkin_interval_days": "7"}
    assert client.post(target, data).status_code == 404
    assert Pairing.objects.count() == 1


def test_ending_twice_ends_once(as_user, manager, pairing):
    client = as_user(manager)
    client.post(url("end", pairing), {"reason": "completed"})
    response = client.post(url("end", pairing), {"reason": "other"}, follow=True)
    assert "This pairing has already ended." in response.content.decode()
    pairing.refresh_from_db()
    assert pairing.end_reason == "completed"
