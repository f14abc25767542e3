"""The resident page's profile card lists the resident's languages and recovery pathways by name,
in the reader's language, in name order (one query reads both lists)."""

import pytest
from django.urls import reverse

from residents.models import Language, RecoveryPathway
from tests import factories as f

pytestmark = pytest.mark.django_db


def profile_text(client, resident) -> str:
    html = client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    return " ".join(html.split())


def test_languages_and_pathways_are_listed_by_name(as_user, manager, house):
    resident = f.ResidentFactory(house=house)
    resident.languages.add(Language.objects.get(code="es"), Language.objects.get(code="en"))
    resident.pathways.add(
        RecoveryPathway.objects.get(slug="smart-recovery"),
        RecoveryPathway.objects.get(slug="12-step"),
    )
    text = profile_text(as_user(manager), resident)
    assert '<dd class="col-sm-7"> English, Spanish </dd>' in text
    assert '<dd class="col-sm-7 mb-0"> 12-step, SMART Recovery </dd>' in text


def test_languages_are_named_in_spanish_for_a_spanish_reader(as_user, manager, house):
    manager.preferred_language = "es"
    manager.save(update_fields=["preferred_language"])
    resident = f.ResidentFactory(house=house)
    resident.languages.add(Language.objects.get(code="es"), Language.objects.get(code="en"))
    text = profile_text(as_user(manager), resident)
    assert '<dd class="col-sm-7"> Inglés, Español </dd>' in text


def test_none_recorded(as_user, manager, house):
    resident = f.ResidentFactory(house=house)
    text = profile_text(as_user(manager), resident)
    assert '<dd class="col-sm-7"> Not recorded </dd>' in text
    assert '<dd class="col-sm-7 mb-0"> Not recorded </dd>' in text
