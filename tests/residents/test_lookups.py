"""The lookups seeded by residents/migrations/0002_lookups.py: the six recovery pathways residents
and mentors choose from, and the languages, each under its stable slug or code."""

import importlib

import pytest
from django.apps import apps

from residents.models import Language, RecoveryPathway

pytestmark = pytest.mark.django_db


def test_the_six_recovery_pathways_are_seeded_with_their_names():
    assert dict(RecoveryPathway.objects.values_list("slug", "name")) == {
        "12-step": "12-step",
        "smart-recovery": "SMART Recovery",
        "moud": "Medication for opioid use disorder",
        "faith-based": "Faith-based",
        "recovery-dharma": "Recovery Dharma",
        "other": "Other",
    }


def test_the_languages_are_seeded_with_their_names():
    assert dict(Language.objects.values_list("code", "name")) == {
        "en": "English",
        "es": "Spanish",
        "zh": "Chinese",
        "vi": "Vietnamese",
        "tl": "Tagalog",
        "ar": "Arabic",
        "fr": "French",
        "ht": "Haitian Creole",
        "ko": "Korean",
        "ru": "Russian",
        "pt": "Portuguese",
        "asl": "American Sign Language",
    }


def test_seeding_again_adds_nothing_and_keeps_a_renamed_entry():
    # The test fixtures re-run the seed after every transactional test; an admin's rename stays.
    RecoveryPathway.objects.filter(slug="other").update(name="Other or none")
    before = (Language.objects.count(), RecoveryPathway.objects.count())
    importlib.import_module("residents.migrations.0002_lookups").seed(apps, None)
    assert (Language.objects.count(), RecoveryPathway.objects.count()) == before
    assert RecoveryPathway.objects.get(slug="other").name == "Other or none"
