"""`Scope.by_house` (the dashboard's lists): the rows `visible_to` gives staff, narrowed to the
house filter, with no join through house managers; nothing for a mentor."""

from __future__ import annotations

import pytest

from activity_log.feedback.models import FeedbackResponse
from activity_log.reports.scope import scope_for
from residents.models import House
from tests import factories as f
from tests.activity_log.feedback.support import response_for

pytestmark = pytest.mark.django_db


def _ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


@pytest.fixture
def world(house, house2, manager):
    third = f.HouseFactory()  # nobody's house: only admins see it
    for home in (house, house2, third):
        for _ in range(2):
            pairing = f.PairingFactory(resident__house=home)
            f.ContactLogFactory(pairing=pairing)
            response_for(pairing, shows_up=1)
        f.ResidentFactory(house=home)
    # A manager who lost a house sees none of it.
    lost = f.HouseFactory()
    lost.managers.add(manager)
    f.PairingFactory(resident__house=lost)
    lost.managers.remove(manager)
    return third


@pytest.mark.parametrize("who", ["manager", "manager2", "program_admin", "mentor"])
@pytest.mark.parametrize("filtered", [False, True])
def test_staff_rows_by_house_are_the_visible_rows(request, world, who, filtered):
    user = request.getfixturevalue(who)
    user = getattr(user, "user", user)  # the mentor fixture is a Mentor
    houses = list(House.objects.visible_to(user))
    house_id = houses[0].pk if filtered and houses else None
    scope = scope_for(user, house_id, houses, all_houses=who == "program_admin")
    if who == "mentor":
        assert not _ids(scope.staff_residents()) and not _ids(scope.staff_pairings())
        return
    assert _ids(scope.staff_residents()) == _ids(scope.residents())
    assert _ids(scope.staff_pairings()) == _ids(scope.pairings())
    assert _ids(scope.staff_contacts()) == _ids(scope.contacts())
    visible_answers = FeedbackResponse.objects.visible_to(user).filter(
        resident__in=scope.residents()
    )
    by_house = scope.by_house(FeedbackResponse.objects.all(), "resident__house_id")
    assert _ids(by_house) == _ids(visible_answers)
    assert _ids(scope.staff_residents())  # not vacuous
    if who == "program_admin" and not filtered:
        assert world.residents.filter(pk__in=_ids(scope.staff_residents())).exists()
    else:
        assert not world.residents.filter(pk__in=_ids(scope.staff_residents())).exists()


def test_a_manager_with_no_houses_sees_nothing(manager, house):
    house.managers.remove(manager)
    f.PairingFactory(resident__house=house)
    scope = scope_for(manager, None, list(House.objects.visible_to(manager)), all_houses=False)
    assert not _ids(scope.staff_residents()) and not _ids(scope.staff_pairings())


def test_failing_reminders_by_house_are_those_of_pairings_and_residents_in_scope(
    manager, house, house2
):
    from django.db.models import Q

    from activity_log.models import Reminder

    for home in (house, house2):
        pairing = f.PairingFactory(resident__house=home)
        f.ReminderFactory(pairing=pairing)
        contact = f.ContactLogFactory(pairing=pairing)
        f.ReminderFactory(
            pairing=None,
            contact=contact,
            subject_key=f"contact:{contact.pk}",
            recipient=manager,
        )
        resident = f.ResidentFactory(house=home)
        f.ReminderFactory(
            pairing=None,
            resident=resident,
            subject_key=f"resident:{resident.pk}",
            recipient=manager,
        )
    scope = scope_for(manager, None, list(House.objects.visible_to(manager)), all_houses=False)
    pairings = scope.pairings().values("id")
    by_subquery = Reminder.objects.filter(
        Q(pairing__in=pairings)
        | Q(contact__pairing__in=pairings)
        | Q(resident__in=scope.residents().values("id"))
    )
    by_house = Reminder.objects.filter(
        scope.house_q("pairing__resident__house_id")
        | scope.house_q("contact__pairing__resident__house_id")
        | scope.house_q("resident__house_id")
    )
    assert _ids(by_house) == _ids(by_subquery)
    assert len(_ids(by_house)) == 3
