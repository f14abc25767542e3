import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from activity_log.contacts import services
from activity_log.models import ContactAddendum, ContactLog
from matching.checkins import due_after
from matching.models import Pairing
from tests import factories as f
from tests.activity_log.contact_support import pairing_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def pairing(mentor, house):
    return pairing_for(mentor, house=house)


def _log(pairing, **kwargs):
    kwargs.setdefault("happened_at", timezone.now() - dt.timedelta(hours=2))
    return services.contact_log(pairing=pairing, author=pairing.mentor.user, **kwargs)


def test_logging_a_contact_sets_last_contact_and_next_due(pairing):
    contact = _log(pairing, topics=[f.topic("coping")])
    pairing.refresh_from_db()
    assert pairing.last_contact_at == contact.happened_at
    assert pairing.next_due_at == due_after(contact.happened_at, 7, pairing.resident.house.zone)
    assert list(contact.topics.values_list("slug", flat=True)) == ["coping"]


def test_a_missed_attempt_is_recorded_but_does_not_reset_the_due_date(pairing):
    due_before = pairing.next_due_at
    contact = _log(pairing, method=ContactLog.Method.NO_ANSWER, duration_minutes=5)
    pairing.refresh_from_db()
    assert ContactLog.objects.filter(pk=contact.pk).exists()
    assert pairing.last_contact_at is None
    assert pairing.next_due_at == due_before


def test_editing_the_time_moves_the_due_date(pairing):
    contact = _log(pairing)
    earlier = contact.happened_at - dt.timedelta(days=2)
    services.contact_update(
        contact=contact,
        editor=pairing.mentor.user,
        happened_at=earlier,
        method=contact.method,
        duration_minutes=contact.duration_minutes,
    )
    pairing.refresh_from_db()
    assert pairing.last_contact_at == earlier
    # A week later on the house's clock (across a DST change that is 7 days +- 1 hour).
    assert pairing.next_due_at == due_after(earlier, 7, pairing.resident.house.zone)


def test_removing_the_latest_contact_falls_back_to_the_one_before(pairing):
    first = _log(pairing, happened_at=timezone.now() - dt.timedelta(days=3))
    second = _log(pairing)
    services.contact_remove(contact=second, user=pairing.mentor.user)
    pairing.refresh_from_db()
    assert pairing.last_contact_at == first.happened_at
    services.contact_remove(contact=first, user=pairing.mentor.user)
    pairing.refresh_from_db()
    assert pairing.last_contact_at is None
    assert pairing.next_due_at == due_after(pairing.started_at(), 7, pairing.resident.house.zone)


def test_the_same_idempotency_key_saves_one_contact(pairing):
    key = uuid.uuid4()
    first = _log(pairing, idempotency_key=key)
    again = _log(pairing, idempotency_key=key, notes="resent")
    assert again.pk == first.pk
    assert ContactLog.objects.count() == 1


def test_a_paused_pairing_has_no_due_date_after_a_contact(pairing):
    Pairing.objects.filter(pk=pairing.pk).update(status=Pairing.Status.PAUSED, next_due_at=None)
    pairing.refresh_from_db()
    _log(pairing)
    pairing.refresh_from_db()
    assert pairing.last_contact_at is not None
    assert pairing.next_due_at is None


def test_it_refuses_an_ended_pairing(pairing):
    Pairing.objects.filter(pk=pairing.pk).update(
        status=Pairing.Status.ENDED, ended_on=timezone.localdate()
    )
    pairing.refresh_from_db()
    with pytest.raises(ValidationError, match="ended"):
        _log(pairing)
    assert not ContactLog.objects.exists()


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("happened_at", {"happened_at": timezone.now() + dt.timedelta(minutes=30)}),
        ("happened_at", {"happened_at": timezone.now() - dt.timedelta(days=30)}),
        ("duration_minutes", {"duration_minutes": 0}),
        ("duration_minutes", {"duration_minutes": 601}),
        ("notes", {"notes": "x" * 5001}),
        ("wellbeing", {"wellbeing": 6}),
    ],
)
def test_it_rejects_bad_input_and_saves_nothing(pairing, field, kwargs):
    with pytest.raises(ValidationError) as exc:
        _log(pairing, **kwargs)
    assert field in exc.value.message_dict
    assert not ContactLog.objects.exists()
    pairing.refresh_from_db()
    assert pairing.last_contact_at is None


def test_a_time_a_few_minutes_ahead_is_accepted(pairing):
    # Phones' clocks drift: up to ten minutes ahead is fine.
    _log(pairing, happened_at=timezone.now() + dt.timedelta(minutes=5))
    assert ContactLog.objects.count() == 1


def test_goals_of_another_resident_are_refused(pairing):
    other_goal = f.RecoveryGoalFactory()
    with pytest.raises(ValidationError) as exc:
        _log(pairing, goals_discussed=[other_goal])
    assert "goals_discussed" in exc.value.message_dict


def test_only_the_author_may_edit_and_only_for_24_hours(pairing, mentor2):
    contact = _log(pairing)
    fields = {"happened_at": contact.happened_at, "method": "phone", "duration_minutes": 20}
    with pytest.raises(ValidationError, match="locked"):
        services.contact_update(contact=contact, editor=mentor2.user, **fields)
    ContactLog.objects.filter(pk=contact.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=24, minutes=1)
    )
    contact.refresh_from_db()
    with pytest.raises(ValidationError, match="locked"):
        services.contact_update(contact=contact, editor=pairing.mentor.user, **fields)
    with pytest.raises(ValidationError, match="locked"):
        services.contact_remove(contact=contact, user=pairing.mentor.user)
    contact.refresh_from_db()
    assert contact.method == ContactLog.Method.IN_PERSON


def test_an_addendum_is_appended_to_a_locked_contact(pairing):
    contact = _log(pairing)
    ContactLog.objects.filter(pk=contact.pk).update(
        created_at=timezone.now() - dt.timedelta(days=2)
    )
    contact.refresh_from_db()
    addendum = services.contact_add_addendum(
        contact=contact, author=pairing.mentor.user, text="  Also talked about housing.  "
    )
    assert addendum.text == "Also talked about housing."
    with pytest.raises(ValidationError):
        services.contact_add_addendum(contact=contact, author=pairing.mentor.user, text="   ")
    assert ContactAddendum.objects.count() == 1
