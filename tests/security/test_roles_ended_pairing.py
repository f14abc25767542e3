"""A mentor's access to a resident ends when the relationship ends (issue 13).

Once their pairing has ended, or while they are on break or retired, a mentor gets 404 on that
pairing's log form, sees none of the resident's goals or phone number, and sees only the
contacts they wrote themselves, read-only: no edit, remove or addendum links, and those URLs
answer 404. Each test is the attack, through the URLs, with the mentor's own signed-in client.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.models import ContactAddendum, ContactLog
from matching import services as matching
from matching.models import Pairing
from mentors.models import Mentor
from tests import factories as f
from tests.activity_log.contact_support import form_data

pytestmark = pytest.mark.django_db

PHONE = "555-0199"
GOAL_BEFORE = "Open a bank account"
GOAL_AFTER = "Reconnect with my sister"  # created after the relationship ended
OWN_NOTE = "We walked to the library"
OTHER_NOTE = "Entered by the office"


@pytest.fixture
def resident(house):
    resident = f.ResidentFactory(house=house, phone=PHONE, preferred_name="Perpetua")
    f.ConsentRecordFactory(resident=resident, shares_goals=True, shares_contact_details=True)
    return resident


@pytest.fixture
def pairing(mentor, resident):
    return f.PairingFactory(
        mentor=mentor, resident=resident, started_on=timezone.localdate() - dt.timedelta(days=30)
    )


@pytest.fixture
def own_contact(pairing, resident, mentor):
    """Logged an hour ago, so still inside the author's 24-hour edit window."""
    goal = f.RecoveryGoalFactory(resident=resident, text=GOAL_BEFORE)
    contact = f.ContactLogFactory(
        pairing=pairing,
        notes=OWN_NOTE,
        happened_at=timezone.now() - dt.timedelta(hours=1),
    )
    contact.goals_discussed.set([goal])
    return contact


@pytest.fixture
def other_contact(pairing, manager):
    """A contact on the same pairing that the mentor did not write (e.g. entered by staff)."""
    return f.ContactLogFactory(pairing=pairing, notes=OTHER_NOTE, created_by=manager)


def end_relationship(how: str, pairing: Pairing, mentor: Mentor) -> None:
    if how == "ended":
        matching.pairing_end(pairing=pairing, reason=Pairing.EndReason.COMPLETED)
    else:
        # What the mentor_unavailable handler does; the account itself stays signed in here,
        # so this checks the scoping layer on its own (retirement also signs them out).
        matching.pairing_pause(pairing=pairing, reason=Pairing.PauseReason.MENTOR_UNAVAILABLE)
        Mentor.objects.filter(pk=mentor.pk).update(status=how)


HOW = ["ended", Mentor.Status.ON_BREAK, Mentor.Status.RETIRED]


@pytest.fixture(params=HOW)
def ended(request, as_user, mentor, pairing, resident, own_contact, other_contact):
    end_relationship(request.param, pairing, mentor)
    f.RecoveryGoalFactory(resident=resident, text=GOAL_AFTER)
    return as_user(mentor.user)


def test_the_log_form_answers_404_and_saves_nothing(ended, pairing):
    url = reverse("activity_log:contact_new", args=[pairing.pk])
    assert ended.get(url).status_code == 404
    assert ended.post(url, form_data(notes="After the end")).status_code == 404
    assert not ContactLog.objects.filter(notes="After the end").exists()


def test_the_history_shows_only_their_own_contacts_without_goals_or_phone(ended, pairing):
    response = ended.get(reverse("activity_log:pairing_history", args=[pairing.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert OWN_NOTE in html
    assert OTHER_NOTE not in html
    for hidden in (GOAL_BEFORE, GOAL_AFTER, PHONE):
        assert hidden not in html


def test_the_history_is_read_only(ended, pairing, own_contact):
    html = ended.get(reverse("activity_log:pairing_history", args=[pairing.pk])).content.decode()
    for name in ("contact_edit", "contact_remove", "contact_addendum"):
        assert reverse(f"activity_log:{name}", args=[own_contact.pk]) not in html
    assert reverse("activity_log:contact_new", args=[pairing.pk]) not in html


def test_edit_remove_and_addendum_answer_404_and_change_nothing(ended, own_contact):
    for name, data in (
        ("contact_edit", form_data(notes="Rewritten afterwards")),
        ("contact_addendum", {"text": "Added afterwards"}),
        ("contact_remove", {}),
    ):
        url = reverse(f"activity_log:{name}", args=[own_contact.pk])
        assert ended.get(url).status_code == 404, name
        assert ended.post(url, data).status_code == 404, name
    own_contact.refresh_from_db()
    assert own_contact.notes == OWN_NOTE
    assert not ContactAddendum.objects.exists()


def test_the_resident_timeline_shows_no_goals_and_only_their_contacts(ended, resident):
    response = ended.get(reverse("activity_log:resident_timeline", args=[resident.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert OWN_NOTE in html and OTHER_NOTE not in html
    for hidden in (GOAL_BEFORE, GOAL_AFTER, PHONE):
        assert hidden not in html


def test_my_mentees_no_longer_lists_the_resident(ended, resident):
    html = ended.get(reverse("activity_log:my_mentees")).content.decode()
    assert resident.preferred_name not in html
    assert PHONE not in html


def test_a_mentor_on_break_is_told_why_the_list_is_empty(as_user, mentor, pairing):
    end_relationship(Mentor.Status.ON_BREAK, pairing, mentor)
    html = as_user(mentor.user).get(reverse("activity_log:my_mentees")).content.decode()
    assert "You are on break" in html


def test_a_current_mentee_still_shows_goals_phone_and_the_form(as_user, mentor, pairing, resident):
    """The control: while the relationship is current, consent decides, as before."""
    f.RecoveryGoalFactory(resident=resident, text=GOAL_AFTER)
    client = as_user(mentor.user)
    form = client.get(reverse("activity_log:contact_new", args=[pairing.pk]))
    assert form.status_code == 200 and GOAL_AFTER in form.content.decode()
    assert PHONE in client.get(reverse("activity_log:my_mentees")).content.decode()


def test_a_manager_paused_pairing_stays_current(as_user, mentor, pairing):
    """A pause by a manager is not the end of the relationship: the mentor may still log."""
    matching.pairing_pause(pairing=pairing, reason=Pairing.PauseReason.MANAGER)
    url = reverse("activity_log:contact_new", args=[pairing.pk])
    assert as_user(mentor.user).get(url).status_code == 200


def test_staff_keep_writing_addenda_after_the_end(as_user, manager, pairing, own_contact):
    matching.pairing_end(pairing=pairing, reason=Pairing.EndReason.COMPLETED)
    url = reverse("activity_log:contact_addendum", args=[own_contact.pk])
    assert as_user(manager).post(url, {"text": "Office correction"}).status_code == 302
    assert ContactAddendum.objects.filter(text="Office correction").exists()


@pytest.mark.parametrize("pairing_status", ["active", "paused", "ended"])
@pytest.mark.parametrize("mentor_status", Mentor.Status.values)
def test_the_current_rule_is_the_same_in_sql_and_python(pairing_status, mentor_status):
    pairing = f.PairingFactory(status=pairing_status, mentor__status=mentor_status)
    in_sql = Pairing.objects.current().filter(pk=pairing.pk).exists()
    assert in_sql == Pairing.objects.select_related("mentor").get(pk=pairing.pk).is_current
    expected = pairing_status != "ended" and mentor_status not in ("on_break", "retired")
    assert in_sql is expected
