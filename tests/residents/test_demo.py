"""What residents/demo.py promises the demo and the later seeders."""

import pytest

from mentoring_site.demo import DemoContext, create_accounts
from residents import demo
from residents.models import ConsentRecord, House, RecoveryGoal, Resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx():
    context = DemoContext()
    create_accounts(context)
    return context


def test_it_creates_three_houses_for_the_two_demo_managers(ctx):
    demo.seed(ctx)
    maple, cedar, harbor = ctx.data["houses"]
    manager, manager2 = ctx.users["manager@example.com"], ctx.users["manager2@example.com"]
    assert set(House.objects.visible_to(manager)) == {maple, cedar}
    assert set(House.objects.visible_to(manager2)) == {harbor}


def test_it_creates_believable_varied_residents(ctx):
    demo.seed(ctx)
    residents = ctx.data["residents"]
    assert len(residents) >= 30
    assert residents[0].is_active
    statuses = {r.status for r in residents}
    assert statuses == set(Resident.Status.values)
    for r in residents:
        r.full_clean()  # every row passes the same rules as the forms
        assert r.is_active == (r.exit_date is None)
    for house in ctx.data["houses"]:
        assert house.residents.filter(status="active").count() >= 5
    assert Resident.objects.filter(languages__code="es").count() >= 5
    assert Resident.objects.filter(pathways__isnull=False).distinct().count() >= 25
    assert Resident.objects.exclude(preferred_mentor_gender="").count() >= 10


def test_consent_covers_every_state(ctx):
    demo.seed(ctx)
    states = {
        r.current_consent().state(ctx.today) if r.current_consent() else "none"
        for r in ctx.data["residents"]
    }
    assert states == {"active", "expired", "revoked", "none"}
    for consent in ConsentRecord.objects.all():
        consent.full_clean()


def test_goals_span_categories_and_statuses(ctx):
    demo.seed(ctx)
    assert RecoveryGoal.objects.values("category").distinct().count() >= 7
    assert set(RecoveryGoal.objects.values_list("status", flat=True)) == {
        "open",
        "achieved",
        "dropped",
    }
    assert not RecoveryGoal.objects.filter(status="open", closed_on__isnull=False).exists()


def test_seeding_twice_does_not_duplicate(ctx):
    demo.seed(ctx)
    count = Resident.objects.count()
    demo.seed(ctx)
    assert Resident.objects.count() == count
    assert len(ctx.data["residents"]) == count


def test_the_large_scale_bulk_creates_houses_residents_and_goals(ctx, monkeypatch):
    monkeypatch.setattr(demo, "LARGE_RESIDENTS", 600)
    monkeypatch.setattr(demo, "BATCH", 250)
    ctx.scale = "large"
    demo.seed(ctx)
    assert len(ctx.data["large_houses"]) == 40
    large = Resident.objects.filter(house__in=ctx.data["large_houses"])
    assert large.count() == 600
    assert RecoveryGoal.objects.filter(resident__in=large).count() >= 600
    assert not large.exclude(status="active").filter(exit_date__isnull=True).exists()
    demo.seed(ctx)  # a second run tops up instead of doubling
    assert large.count() == 600
