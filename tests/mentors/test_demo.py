"""seed_demo's mentors: the two demo mentors cleared, and a dozen more in every state."""

import pytest
from django.core.management import call_command

from mentoring_site.models import User
from mentors.models import Mentor

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_demo")


def by_email(email: str) -> Mentor:
    return Mentor.objects.get(user__email=email)


def test_the_demo_mentors_are_cleared(seeded):
    for email in ("mentor@example.com", "mentor2@example.com"):
        mentor = by_email(email)
        assert mentor.clearance().cleared, mentor.clearance().reasons
    sam = by_email("mentor@example.com")
    assert {lang.code for lang in sam.languages.all()} == {"en", "es"}


def test_every_state_is_there(seeded):
    assert 12 <= Mentor.objects.count() <= 16
    statuses = set(Mentor.objects.values_list("status", flat=True))
    assert statuses == set(Mentor.Status.values)
    assert Mentor.objects.cleared().count() >= 4


def test_one_has_an_expired_crisis_course_and_one_is_too_new_in_recovery(seeded):
    reasons = [
        reason
        for mentor in Mentor.objects.filter(status="active")
        for reason in mentor.clearance().reasons
    ]
    assert any(r.startswith("Crisis intervention and de-escalation expired") for r in reasons)
    assert any(r.startswith("Less than a year in recovery") for r in reasons)


def test_demo_emails_are_example_com(seeded):
    emails = Mentor.objects.values_list("user__email", flat=True)
    assert all(e.endswith("@example.com") for e in emails)


def test_seeding_twice_adds_no_mentors(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    count = Mentor.objects.count()
    call_command("seed_demo")
    assert Mentor.objects.count() == count
    assert User.objects.filter(email="mentor@example.com").count() == 1


def test_the_large_scale_adds_2000_mentors_with_training_in_bulk(settings):
    from mentoring_site.demo import DemoContext, create_accounts
    from mentors import demo
    from mentors.models import TrainingRecord
    from residents import demo as residents_demo

    ctx = DemoContext(scale="small")
    create_accounts(ctx)
    residents_demo.seed(ctx)
    ctx.scale = "large"
    demo.seed(ctx)
    assert Mentor.objects.count() == len(demo.DEMO_MENTORS) + 2000
    assert len(ctx.data["mentors"]) == Mentor.objects.count()
    assert TrainingRecord.objects.count() > 8000
    assert Mentor.objects.cleared().count() > 1000
    bulk = User.objects.filter(email__startswith="mentor.bulk.").first()
    assert not bulk.has_usable_password()
    assert bulk.groups.filter(name="Mentor").exists()


def test_retired_demo_mentors_cannot_sign_in(seeded):
    retired = Mentor.objects.filter(status="retired").select_related("user")
    assert retired and all(not m.user.is_active for m in retired)
    assert all(m.user.is_active for m in Mentor.objects.exclude(status="retired"))
    assert retired[0].status_changes.filter(account="deactivated").exists()
