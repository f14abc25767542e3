"""Who may open resident pages: own-house managers and admins; everyone else 404 or login."""

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(house):
    return f.ResidentFactory(house=house, preferred_name="Dana")


@pytest.fixture
def goal(resident):
    return f.RecoveryGoalFactory(resident=resident)


@pytest.fixture
def consent(resident):
    return f.ConsentRecordFactory(resident=resident)


def object_urls(resident, goal, consent) -> list[tuple[str, str]]:
    pk = resident.pk
    return [
        ("get", reverse("residents:detail", args=[pk])),
        ("get", reverse("residents:edit", args=[pk])),
        ("get", reverse("residents:exit", args=[pk])),
        ("post", reverse("residents:exit", args=[pk])),
        ("get", reverse("residents:consent_create", args=[pk])),
        ("post", reverse("residents:consent_revoke", args=[pk, consent.pk])),
        ("get", reverse("residents:goal_create", args=[pk])),
        ("get", reverse("residents:goal_edit", args=[pk, goal.pk])),
        ("post", reverse("residents:goal_achieve", args=[pk, goal.pk])),
        ("post", reverse("residents:goal_drop", args=[pk, goal.pk])),
    ]


def test_the_house_manager_opens_every_page_of_their_resident(as_user, manager, resident):
    client = as_user(manager)
    for name in ("detail", "edit", "exit", "consent_create", "goal_create"):
        response = client.get(reverse(f"residents:{name}", args=[resident.pk]))
        assert response.status_code == 200, name


def test_a_program_admin_opens_a_resident_of_any_house(as_user, program_admin, resident):
    response = as_user(program_admin).get(reverse("residents:detail", args=[resident.pk]))
    assert response.status_code == 200


def test_a_manager_of_another_house_gets_404_everywhere(
    as_user, manager2, house2, resident, goal, consent
):
    client = as_user(manager2)
    for method, url in object_urls(resident, goal, consent):
        assert getattr(client, method)(url).status_code == 404, url
    goal.refresh_from_db()
    consent.refresh_from_db()
    resident.refresh_from_db()
    assert goal.status == "open" and consent.revoked_on is None and resident.is_active


def test_a_mentor_gets_404_everywhere_even_for_their_own_mentee(
    as_user, mentor, resident, goal, consent
):
    f.PairingFactory(mentor=mentor, resident=resident)
    client = as_user(mentor.user)
    for method, url in object_urls(resident, goal, consent):
        assert getattr(client, method)(url).status_code == 404, url
    assert client.get(reverse("residents:list")).status_code == 404
    assert client.get(reverse("residents:create")).status_code == 404


def test_anonymous_users_are_sent_to_login(client, resident, goal, consent):
    for method, url in [
        *object_urls(resident, goal, consent),
        ("get", reverse("residents:list")),
        ("get", reverse("residents:create")),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"]


def test_a_goal_of_another_resident_is_404_under_the_wrong_resident(
    as_user, manager, house, resident
):
    other = f.RecoveryGoalFactory(resident=f.ResidentFactory(house=house))
    url = reverse("residents:goal_edit", args=[resident.pk, other.pk])
    assert as_user(manager).get(url).status_code == 404


def test_the_list_shows_only_residents_of_the_managers_houses(as_user, manager, house, house2):
    f.ResidentFactory(house=house, preferred_name="Ownhouse")
    f.ResidentFactory(house=house2, preferred_name="Otherhouse")
    content = as_user(manager).get(reverse("residents:list")).content.decode()
    assert "Ownhouse" in content
    assert "Otherhouse" not in content
    assert "Harbor House" not in content  # not even in the house filter


def test_the_intake_house_choices_are_only_the_managers_houses(as_user, manager, house, house2):
    content = as_user(manager).get(reverse("residents:create")).content.decode()
    assert "Maple House" in content
    assert "Harbor House" not in content


def test_a_manager_cannot_admit_into_another_managers_house(as_user, manager, house, house2):
    response = as_user(manager).post(
        reverse("residents:create"),
        {
            "first_name": "Lee",
            "last_name": "Park",
            "house": house2.pk,
            "move_in_date": "2026-01-05",
            "intake_key": "6d1f1c2e-8a83-4b8c-9b6e-0b9c7e0f0a11",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not house2.residents.exists()
