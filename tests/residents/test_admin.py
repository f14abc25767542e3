"""Django admin pages for every residents model load, search and filter for a program admin."""

import pytest
from django.urls import reverse

from residents.models import ConsentRecord, House, Language, RecoveryGoal, RecoveryPathway, Resident
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return f.AdminUserFactory(email="root@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def resident(house):
    r = f.ResidentFactory(house=house, preferred_name="Quincy", last_name="Adler")
    f.RecoveryGoalFactory(resident=r, text="Finish the GED")
    f.ConsentRecordFactory(resident=r)
    return r


@pytest.mark.parametrize(
    "model", [House, Resident, ConsentRecord, RecoveryGoal, Language, RecoveryPathway]
)
def test_every_changelist_loads_with_search_and_filters(as_user, superuser, resident, model):
    url = reverse(f"admin:residents_{model._meta.model_name}_changelist")
    client = as_user(superuser)
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "quincy"}).status_code == 200


def test_the_resident_list_finds_by_name_and_filters_by_status(as_user, superuser, resident, house):
    f.ResidentFactory(house=house, preferred_name="Zelda")
    client = as_user(superuser)
    url = reverse("admin:residents_resident_changelist")
    content = client.get(url, {"q": "adler"}).content.decode()
    assert "Quincy" in content and "Zelda" not in content
    assert client.get(url, {"status__exact": "active"}).status_code == 200


def test_the_resident_change_page_shows_goals_and_consents_inline(as_user, superuser, resident):
    content = (
        as_user(superuser)
        .get(reverse("admin:residents_resident_change", args=[resident.pk]))
        .content.decode()
    )
    assert "Finish the GED" in content
    assert "consents-TOTAL_FORMS" in content
    assert "goals-TOTAL_FORMS" in content
    # Leaving goes through the Exit page (it tells matching); the admin shows status read-only.
    assert 'name="status"' not in content


def test_foreign_keys_use_autocomplete(as_user, superuser, resident):
    content = (
        as_user(superuser)
        .get(reverse("admin:residents_recoverygoal_change", args=[resident.goals.get().pk]))
        .content.decode()
    )
    assert "admin-autocomplete" in content
    response = as_user(superuser).get(
        reverse("admin:autocomplete"),
        {
            "term": "quin",
            "app_label": "residents",
            "model_name": "recoverygoal",
            "field_name": "resident",
        },
    )
    assert "Quincy" in response.content.decode()
