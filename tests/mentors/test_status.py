"""Changing a mentor's status: a reason is recorded; on break or retired tells matching once,
after commit; a double submit changes nothing twice; only staff may do it."""

import pytest
from django.urls import reverse

from mentoring_site.models import AuditEvent
from mentors.models import Mentor, MentorStatusChange
from mentors.signals import mentor_unavailable
from tests import factories as f

pytestmark = pytest.mark.django_db


def url(mentor) -> str:
    return reverse("mentors:status", args=[mentor.pk])


@pytest.fixture
def unavailable_calls():
    calls = []

    def receiver(sender, mentor, status, **kwargs):
        calls.append((mentor.pk, status))

    mentor_unavailable.connect(receiver, dispatch_uid="test-status-receiver")
    yield calls
    mentor_unavailable.disconnect(dispatch_uid="test-status-receiver")


def test_anonymous_is_sent_to_sign_in(client, mentor):
    assert "/accounts/login/" in client.get(url(mentor))["Location"]


def test_a_mentor_cannot_change_any_status_even_their_own(as_user, mentor, mentor2):
    client = as_user(mentor.user)
    for target in (mentor, mentor2):
        response = client.post(url(target), {"status": "retired", "reason": "x"})
        assert response.status_code == 404
    assert set(Mentor.objects.values_list("status", flat=True)) == {"active"}


def test_the_form_offers_every_status_but_the_current_one(as_user, manager, mentor):
    response = as_user(manager).get(url(mentor))
    choices = [value for value, _ in response.context["form"].fields["status"].choices]
    assert "active" not in choices
    assert set(choices) == {"applicant", "in_training", "on_break", "retired"}


def test_a_manager_moves_an_applicant_into_training_with_a_reason(
    as_user, manager, unavailable_calls, django_capture_on_commit_callbacks
):
    applicant = f.MentorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(manager).post(
            url(applicant), {"status": "in_training", "reason": "References checked"}
        )
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.status == "in_training"
    change = MentorStatusChange.objects.get()
    assert (change.from_status, change.to_status, change.reason, change.changed_by) == (
        "applicant",
        "in_training",
        "References checked",
        manager,
    )
    assert unavailable_calls == []
    assert AuditEvent.objects.filter(action="change", object_id=str(applicant.pk)).exists()


@pytest.mark.parametrize("status", ["on_break", "retired"])
def test_going_unavailable_sends_the_signal_once_after_commit(
    as_user, manager, mentor, status, unavailable_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        as_user(manager).post(url(mentor), {"status": status, "reason": "Family leave"})
    # Nothing is sent before the transaction commits.
    assert unavailable_calls == []
    for callback in callbacks:
        callback()
    assert unavailable_calls == [(mentor.pk, status)]


def test_a_rolled_back_change_sends_nothing(manager, mentor, unavailable_calls):
    from django.db import transaction

    from mentors.services import mentor_change_status

    with pytest.raises(RuntimeError), transaction.atomic():
        mentor_change_status(mentor=mentor, status="retired", reason="x", changed_by=manager)
        raise RuntimeError("rolled back")
    mentor.refresh_from_db()
    assert mentor.status == "active"
    assert unavailable_calls == []


def test_a_double_submit_changes_the_status_once(
    as_user, manager, mentor, unavailable_calls, django_capture_on_commit_callbacks
):
    client = as_user(manager)
    data = {"status": "on_break", "reason": "Surgery"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(mentor), data)
        response = client.post(url(mentor), data)
    assert response.status_code == 200
    assert "not one of the available choices" in response.content.decode()
    assert MentorStatusChange.objects.count() == 1
    assert unavailable_calls == [(mentor.pk, "on_break")]


def test_the_service_refuses_the_same_status_clearly(manager, mentor):
    from django.core.exceptions import ValidationError

    from mentors.services import mentor_change_status

    with pytest.raises(ValidationError, match="already active"):
        mentor_change_status(mentor=mentor, status="active", reason="x", changed_by=manager)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"status": "retired", "reason": ""}, "reason"),
        ({"status": "retired", "reason": "   "}, "reason"),
        ({"status": "retired", "reason": "x" * 501}, "reason"),
        ({"status": "sleeping", "reason": "Because"}, "status"),
    ],
)
def test_bad_input_is_explained_and_changes_nothing(as_user, manager, mentor, data, field):
    response = as_user(manager).post(url(mentor), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    mentor.refresh_from_db()
    assert mentor.status == "active"
    assert not MentorStatusChange.objects.exists()


def test_the_reason_is_shown_escaped_in_the_history(as_user, manager, mentor):
    client = as_user(manager)
    client.post(url(mentor), {"status": "on_break", "reason": "<b>Back in June</b>"})
    content = client.get(reverse("mentors:detail", args=[mentor.pk])).content.decode()
    assert "&lt;b&gt;Back in June&lt;/b&gt;" in content


def test_going_on_break_pauses_their_pairings_through_matching(
    as_user, manager, mentor, house, django_capture_on_commit_callbacks
):
    pairing = f.PairingFactory(mentor=mentor, resident=f.ResidentFactory(house=house))
    with django_capture_on_commit_callbacks(execute=True):
        as_user(manager).post(url(mentor), {"status": "on_break", "reason": "Travelling"})
    pairing.refresh_from_db()
    assert pairing.status == "paused"
