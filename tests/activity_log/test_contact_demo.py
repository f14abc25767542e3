"""What activity_log's demo seeder promises (run on pairings made here, not by matching's seeder)."""

import datetime as dt

import pytest
from django.utils import timezone

from activity_log import demo
from activity_log.models import ContactLog, Milestone, Reminder
from matching.models import Pairing
from mentoring_site.demo import DemoContext
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx():
    manager = f.ManagerUserFactory(email="manager@example.com")
    house = f.HouseFactory(managers=[manager])
    other = f.HouseFactory(managers=[f.ManagerUserFactory(email="manager2@example.com")])
    context = DemoContext()
    context.users["manager@example.com"] = manager
    for email, where in (("mentor@example.com", house), ("mentor2@example.com", other)):
        mentor = f.ClearedMentorFactory(user__email=email)
        context.users[email] = mentor.user
        for months in (6, 3):
            f.PairingFactory(
                mentor=mentor,
                resident=f.ResidentFactory(house=where),
                started_on=context.today - dt.timedelta(days=30 * months),
            )
    return context


def test_it_logs_months_of_contacts_for_every_pairing(ctx):
    demo.seed(ctx)
    for pairing in Pairing.objects.all():
        contacts = pairing.contacts.all()
        assert contacts.count() >= 8
        assert min(c.happened_at for c in contacts).date() < ctx.today - dt.timedelta(days=60)
    assert ContactLog.objects.filter(method="no_answer").exists()
    assert ContactLog.objects.exclude(notes="").exists()
    assert ContactLog.objects.filter(topics__isnull=False).exists()
    # Old contacts are locked like real ones.
    assert ContactLog.objects.filter(created_at__lt=timezone.now() - dt.timedelta(days=2)).exists()


def test_each_demo_mentor_has_an_overdue_mentee(ctx):
    demo.seed(ctx)
    now = timezone.now()
    for email in ("mentor@example.com", "mentor2@example.com"):
        assert Pairing.objects.filter(
            mentor__user__email=email, status="active", next_due_at__lt=now
        ).exists(), email


def test_there_is_one_unacknowledged_urgent_concern_in_the_managers_house(ctx):
    demo.seed(ctx)
    urgent = ContactLog.objects.get(concern_level="urgent")
    assert urgent.acknowledged_at is None
    manager = ctx.users["manager@example.com"]
    assert urgent.pairing.resident.house.managers.filter(pk=manager.pk).exists()
    # The alert is on record as already sent, so the demo emails nobody.
    assert Reminder.objects.filter(
        contact=urgent, recipient=manager, sent_at__isnull=False
    ).exists()


def test_due_dates_follow_the_rule_and_milestones_exist(ctx):
    demo.seed(ctx)
    for pairing in Pairing.objects.select_related("resident__house"):
        last = (
            pairing.contacts.exclude(method="no_answer")
            .order_by("-happened_at")
            .values_list("happened_at", flat=True)
            .first()
        )
        assert pairing.last_contact_at == last
        assert pairing.next_due_at == pairing.next_due()
    assert Milestone.objects.exists()


def test_the_bulk_recompute_matches_the_rule(ctx):
    demo.seed(ctx)
    Pairing.objects.update(last_contact_at=None, next_due_at=None, overdue_at=None)
    ContactLog.objects.update(on_time=None)
    demo.pairings_recompute_due_all()
    for pairing in Pairing.objects.select_related("resident__house"):
        due, overdue_at = pairing._due()
        assert (pairing.next_due_at, pairing.overdue_at) == (due, overdue_at)
        assert pairing.last_contact_at is not None
        contacts = list(pairing.contacts.values_list("id", "happened_at", "method", "on_time"))
        judged = pairing.judge_contacts([c[:3] for c in contacts])
        assert {c[0]: c[3] for c in contacts} == judged
    assert ContactLog.objects.filter(on_time=True).exists()


def test_large_adds_bulk_contacts_to_other_pairings_and_recomputes_them(ctx, monkeypatch):
    monkeypatch.setattr(demo, "LARGE_CONTACTS", 60)
    monkeypatch.setattr(demo, "BATCH", 25)
    ctx.scale = "large"
    demo_pairings = list(Pairing.objects.all())
    ctx.data["pairings"] = demo_pairings
    bulk = [
        f.PairingFactory(started_on=ctx.today - dt.timedelta(days=200), checkin_interval_days=14)
        for _ in range(3)
    ]
    demo.seed(ctx)
    bulk_contacts = ContactLog.objects.filter(pairing__in=bulk)
    assert bulk_contacts.count() == 60
    assert bulk_contacts.filter(topics__isnull=False).exists()
    assert not bulk_contacts.filter(
        created_at__gt=timezone.now() - dt.timedelta(minutes=30)
    ).exists()
    for pairing in Pairing.objects.select_related("resident__house"):
        assert pairing.next_due_at == pairing.next_due()


def test_it_does_not_log_twice_when_run_again(ctx):
    demo.seed(ctx)
    count = ContactLog.objects.count()
    demo.seed(ctx)
    assert ContactLog.objects.count() == count
