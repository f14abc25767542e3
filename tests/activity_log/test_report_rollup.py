"""The reports' roll-up (activity_log/reports/rollup.py) always equals the live computation from the
contacts (contact_figures_live), whatever writes came before: a property-based test
over contacts logged, edited, moved between days, removed, topics changed, check-in intervals
changed and residents moved between houses, plus the rebuild command and the migration's
backfill."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activity_log.contacts import services
from activity_log.models import ContactDay, ContactLog, PairingDay, Topic, TopicDay
from activity_log.reports import rollup
from activity_log.reports.on_time import contact_figures_live
from activity_log.reports.scope import Period, scope_for
from matching import services as matching_services
from residents import services as resident_services
from tests import factories as f
from tests.activity_log.contact_support import pairing_for

pytestmark = pytest.mark.django_db

METHODS = st.sampled_from(ContactLog.Method.values)


def _figures(user, houses, period, *, house_id=None, admin=False):
    scope = scope_for(user, house_id, houses, all_houses=admin)
    rolled = rollup.rolled_up_contacts(scope.rollup_house_ids(), period.start, period.end)
    live = contact_figures_live(scope, period)
    return rolled, live


def _assert_equal_everywhere(admin_user, manager, house, house2) -> None:
    today = timezone.localdate()
    periods = [
        Period.last_days(30, today),
        Period.last_days(7, today),
        Period(today - dt.timedelta(days=20), today - dt.timedelta(days=10)),
        Period(today - dt.timedelta(days=60), today + dt.timedelta(days=1)),
    ]
    for period in periods:
        for rolled, live in (
            _figures(admin_user, [house, house2], period, admin=True),
            _figures(admin_user, [house, house2], period, house_id=house2.pk, admin=True),
            _figures(manager, [house], period),
        ):
            assert rolled == live, period


operations = st.lists(
    st.one_of(
        # (what, which pairing, minutes after the pairing's start or an index, method, topics)
        st.tuples(
            st.just("log"),
            st.integers(0, 2),
            st.integers(0, 60 * 24 * 45),
            METHODS,
            st.sets(st.integers(0, 3), max_size=2),
        ),
        st.tuples(
            st.just("edit"),
            st.integers(0, 2),
            st.integers(0, 60 * 24 * 45),
            METHODS,
            st.sets(st.integers(0, 3), max_size=2),
        ),
        st.tuples(
            st.just("remove"), st.integers(0, 2), st.integers(0, 10), METHODS, st.just(set())
        ),
        st.tuples(
            st.just("interval"), st.integers(0, 2), st.integers(1, 30), METHODS, st.just(set())
        ),
        st.tuples(st.just("move"), st.integers(0, 2), st.integers(0, 1), METHODS, st.just(set())),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_the_rollup_equals_the_live_figures_after_any_writes(
    ops, program_admin, manager, house, house2
):
    with transaction.atomic():
        now = timezone.now()
        pairings = [
            pairing_for(f.ClearedMentorFactory(), house=house, days_ago=46),
            pairing_for(f.ClearedMentorFactory(), house=house, days_ago=46),
            pairing_for(f.ClearedMentorFactory(), house=house2, days_ago=46),
        ]
        topics = list(Topic.objects.order_by("pk")[:4])
        for op, which, number, method, topic_picks in ops:
            pairing = pairings[which]
            pairing.refresh_from_db()
            author = pairing.mentor.user
            when = min(pairing.started_at() + dt.timedelta(minutes=number), now)
            chosen = [topics[i] for i in sorted(topic_picks)]
            contacts = list(pairing.contacts.order_by("pk"))
            if op == "log" or (op in ("edit", "remove") and not contacts):
                services.contact_log(
                    pairing=pairing,
                    author=author,
                    happened_at=when,
                    method=method,
                    duration_minutes=10 + number % 50,
                    topics=chosen,
                )
            elif op == "edit":
                services.contact_update(
                    contact=contacts[number % len(contacts)],
                    editor=author,
                    happened_at=when,
                    method=method,
                    duration_minutes=15,
                    topics=chosen,
                )
            elif op == "remove":
                services.contact_remove(contact=contacts[number % len(contacts)], user=author)
            elif op == "interval":
                matching_services.pairing_change_interval(
                    pairing=pairing, checkin_interval_days=number
                )
            else:
                resident_services.resident_update(
                    resident=pairing.resident, house=(house, house2)[number]
                )
            _assert_equal_everywhere(program_admin, manager, house, house2)
        transaction.set_rollback(True)


def _log(pairing, at, **kwargs):
    return services.contact_log(
        pairing=pairing, author=pairing.mentor.user, happened_at=at, **kwargs
    )


def test_an_edit_that_moves_a_contact_to_another_day_moves_its_figures(manager, house):
    pairing = pairing_for(f.ClearedMentorFactory(), house=house, days_ago=20)
    today = timezone.localdate()
    contact = _log(pairing, timezone.now() - dt.timedelta(days=1), duration_minutes=40)
    yesterday = today - dt.timedelta(days=1)
    assert ContactDay.objects.get(house=house, day=yesterday).minutes == 40
    services.contact_update(
        contact=contact,
        editor=pairing.mentor.user,
        happened_at=timezone.now() - dt.timedelta(days=5),
        method=contact.method,
        duration_minutes=40,
    )
    assert not ContactDay.objects.filter(house=house, day=yesterday).exists()
    assert ContactDay.objects.get(house=house, day=today - dt.timedelta(days=5)).contacts == 1


def test_removing_a_contact_makes_the_next_one_late_again(manager, house):
    """The previous contact decides whether the next was on time: a removal changes another day."""
    pairing = pairing_for(f.ClearedMentorFactory(), house=house, days_ago=30)
    now = timezone.now()
    middle = _log(pairing, now - dt.timedelta(days=12))
    _log(pairing, now - dt.timedelta(days=6))
    later_day = timezone.localdate(now - dt.timedelta(days=6))
    assert ContactDay.objects.get(house=house, day=later_day).on_time == 1
    services.contact_remove(contact=middle, user=pairing.mentor.user)
    # Now 24 days after the start with a 7-day interval: late.
    assert ContactDay.objects.get(house=house, day=later_day).on_time == 0


def test_a_topic_change_alone_is_counted(manager, house):
    pairing = pairing_for(f.ClearedMentorFactory(), house=house)
    contact = _log(pairing, timezone.now() - dt.timedelta(hours=3), topics=[f.topic("coping")])
    services.contact_update(
        contact=contact,
        editor=pairing.mentor.user,
        happened_at=contact.happened_at,
        method=contact.method,
        duration_minutes=contact.duration_minutes,
        topics=[f.topic("goal-setting")],
    )
    assert list(TopicDay.objects.values_list("topic__slug", "contacts")) == [("goal-setting", 1)]


def test_an_addendum_changes_nothing(manager, house):
    pairing = pairing_for(f.ClearedMentorFactory(), house=house)
    contact = _log(pairing, timezone.now() - dt.timedelta(hours=3))
    before = list(PairingDay.objects.values_list("pk", "figures"))
    services.contact_add_addendum(contact=contact, author=pairing.mentor.user, text="Also: bus")
    assert list(PairingDay.objects.values_list("pk", "figures")) == before


def test_a_mentor_scope_counts_nothing_from_the_rollup(mentor, house):
    """The roll-up is per house; mentors see only their own contacts, so it is staff only."""
    pairing = pairing_for(mentor, house=house)
    _log(pairing, timezone.now() - dt.timedelta(hours=3))
    scope = scope_for(mentor.user, None, [house], all_houses=False)
    assert scope.rollup_house_ids() == ()


def test_the_rebuild_command_restores_a_damaged_rollup(program_admin, manager, house, house2):
    for h in (house, house, house2):
        pairing = pairing_for(f.ClearedMentorFactory(), house=h, days_ago=20)
        for days in (15, 9, 2):
            _log(pairing, timezone.now() - dt.timedelta(days=days), topics=[f.topic("coping")])
    # Writes that bypass the services (a bulk load) leave the roll-up behind...
    bulk = f.ContactLogFactory(pairing=pairing, happened_at=timezone.now() - dt.timedelta(days=4))
    bulk.topics.add(f.topic("goal-setting"))
    ContactDay.objects.filter(house=house).update(contacts=99)
    call_command("rebuild_report_rollup", stdout=open("/dev/null", "w"))  # noqa: SIM115
    # ...and the rebuild brings it back to the live figures.
    _assert_equal_everywhere(program_admin, manager, house, house2)


def test_the_migration_backfill_builds_the_same_rows_as_the_writes(house):
    """The migration calls rollup_rebuild with the historical models: same rows as the writes."""
    from django.apps import apps

    pairing = pairing_for(f.ClearedMentorFactory(), house=house, days_ago=20)
    for days in (15, 9, 2):
        _log(pairing, timezone.now() - dt.timedelta(days=days), topics=[f.topic("coping")])

    def rows():
        return (
            sorted(PairingDay.objects.values_list("pairing_id", "day", "figures")),
            sorted(ContactDay.objects.values_list("house_id", "day", "method", "contacts")),
            sorted(TopicDay.objects.values_list("house_id", "day", "topic_id", "contacts")),
        )

    by_writes = rows()
    rollup.rollup_rebuild(apps=apps)
    assert rows() == by_writes


def test_a_longer_interval_makes_a_late_contact_on_time(house):
    pairing = pairing_for(f.ClearedMentorFactory(), house=house, days_ago=20)
    contact = _log(pairing, timezone.now() - dt.timedelta(days=5))  # 15 days after the start
    day = timezone.localdate(contact.happened_at)
    assert ContactDay.objects.get(house=house, day=day).on_time == 0
    matching_services.pairing_change_interval(pairing=pairing, checkin_interval_days=21)
    assert ContactDay.objects.get(house=house, day=day).on_time == 1


def test_a_resident_moving_house_takes_their_contacts_along(house, house2):
    pairing = pairing_for(f.ClearedMentorFactory(), house=house, days_ago=20)
    contact = _log(pairing, timezone.now() - dt.timedelta(days=5), topics=[f.topic("coping")])
    day = timezone.localdate(contact.happened_at)
    resident_services.resident_update(resident=pairing.resident, house=house2)
    assert not ContactDay.objects.filter(house=house).exists()
    assert not TopicDay.objects.filter(house=house).exists()
    assert ContactDay.objects.get(house=house2, day=day).contacts == 1
    assert TopicDay.objects.get(house=house2, day=day).contacts == 1
