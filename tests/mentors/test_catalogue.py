"""The training catalogue seeded by mentors/migrations/0002_course_catalogue.py: six active courses,
five required, their hours, and which ones must be renewed (clearance depends on all of it)."""

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from mentors.models import TrainingCourse

pytestmark = pytest.mark.django_db

# name: (required, hours, valid_months; None never expires)
CATALOGUE = {
    "Orientation to peer mentoring": (True, Decimal("8"), None),
    "Communication and active listening": (True, Decimal("4"), None),
    "Crisis intervention and de-escalation": (True, Decimal("4"), 24),
    "Motivational interviewing basics": (True, Decimal("6"), None),
    "Ethics, boundaries and confidentiality": (True, Decimal("3"), 24),
    "Trauma-informed practice": (False, Decimal("3"), None),
}


def test_the_six_courses_are_seeded_with_required_hours_and_validity():
    seeded = {
        course.name: (course.required, course.hours, course.valid_months)
        for course in TrainingCourse.objects.all()
    }
    assert seeded == CATALOGUE


def test_every_seeded_course_is_active_and_described():
    for course in TrainingCourse.objects.all():
        assert course.is_active, course.name
        assert course.description, course.name


def test_only_trauma_informed_practice_is_optional():
    optional = TrainingCourse.objects.filter(required=False).values_list("name", flat=True)
    assert list(optional) == ["Trauma-informed practice"]


def test_crisis_and_ethics_expire_after_two_years_and_the_rest_never():
    completed = dt.date(2026, 1, 31)
    expiries = {
        course.name: course.expiry_for(completed) for course in TrainingCourse.objects.all()
    }
    assert expiries["Crisis intervention and de-escalation"] == dt.date(2028, 1, 31)
    assert expiries["Ethics, boundaries and confidentiality"] == dt.date(2028, 1, 31)
    never = {name for name, expires in expiries.items() if expires is None}
    assert never == set(CATALOGUE) - {
        "Crisis intervention and de-escalation",
        "Ethics, boundaries and confidentiality",
    }


def test_seeding_again_adds_nothing_and_keeps_an_admin_edit():
    # The test fixtures re-run the seed after every transactional test; an admin's edit stays.
    TrainingCourse.objects.filter(name="Trauma-informed practice").update(hours=Decimal("4"))
    before = TrainingCourse.objects.count()
    importlib.import_module("mentors.migrations.0002_course_catalogue").seed(apps, None)
    assert TrainingCourse.objects.count() == before
    assert TrainingCourse.objects.get(name="Trauma-informed practice").hours == Decimal("4")
