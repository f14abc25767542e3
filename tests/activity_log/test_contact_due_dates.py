"""Due-date maths at its edges: time zones, daylight-saving changes, late-night contacts, and a
property-based check that next_due_at always follows the rule after any sequence of writes."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activity_log.contacts import services
from activity_log.contacts.selectors import due_state
from activity_log.models import ContactLog
from matching import services as matching_services
from matching.models import Pairing
from tests import factories as f

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
LOS_ANGELES = zoneinfo.ZoneInfo("America/Los_Angeles")


def _pairing(tz="America/New_York", started_on=dt.date(2026, 1, 5), interval=7):
    house = f.HouseFactory(time_zone=tz)
    return f.PairingFactory(
        resident=f.ResidentFactory(house=house),
        started_on=started_on,
        checkin_interval_days=interval,
    )


def test_a_new_pairing_is_due_an_interval_after_the_start_of_its_first_local_day():
    pairing = _pairing(tz="America/Los_Angeles")
    assert pairing.next_due_at == dt.datetime(2026, 1, 12, 0, 0, tzinfo=LOS_ANGELES)


def test_a_late_night_contact_before_spring_forward_keeps_its_local_due_date():
    # 23:30 on 7 March 2026 in New York; clocks go forward at 02:00 on 8 March.
    pairing = _pairing()
    when = dt.datetime(2026, 3, 7, 23, 30, tzinfo=NEW_YORK)
    pairing.last_contact_at = when.astimezone(dt.UTC)
    due = pairing.next_due()
    assert due.astimezone(NEW_YORK).replace(tzinfo=None) == dt.datetime(2026, 3, 14, 23, 30)
    # 167 real hours, not 168: the due date follows the wall clock.
    assert due.astimezone(dt.UTC) - when.astimezone(dt.UTC) == dt.timedelta(hours=167)


def test_logging_at_2330_the_night_before_spring_forward_stores_the_local_wall_clock_due():
    # Through the write path: the contact is logged (a past date, so no clock freezing needed),
    # and the stored next_due_at is the contact's local time + 7 days, not midnight or UTC + 7 days.
    pairing = _pairing(started_on=dt.date(2026, 3, 1), interval=7)
    when = dt.datetime(2026, 3, 7, 23, 30, tzinfo=NEW_YORK)
    services.contact_log(pairing=pairing, author=pairing.mentor.user, happened_at=when)
    pairing.refresh_from_db()
    assert pairing.last_contact_at == when
    assert pairing.next_due_at.astimezone(NEW_YORK).replace(tzinfo=None) == dt.datetime(
        2026, 3, 14, 23, 30
    )
    assert pairing.next_due_at == dt.datetime(2026, 3, 15, 3, 30, tzinfo=dt.UTC)  # EDT, UTC-4


def test_a_contact_just_after_midnight_before_fall_back_keeps_its_local_due_date():
    # 00:30 on 1 November 2026 in New York; clocks go back at 02:00 that night.
    pairing = _pairing()
    when = dt.datetime(2026, 11, 1, 0, 30, tzinfo=NEW_YORK)
    pairing.last_contact_at = when.astimezone(dt.UTC)
    due = pairing.next_due().astimezone(NEW_YORK)
    assert due.date() == dt.date(2026, 11, 8)
    assert (due.hour, due.minute) == (0, 30)


def test_due_words_use_local_dates_not_utc():
    # 23:00 in Los Angeles is already the next day in UTC; it is still "due today" locally.
    now = dt.datetime(2026, 6, 10, 23, 0, tzinfo=LOS_ANGELES)
    due = dt.datetime(2026, 6, 10, 16, 0, tzinfo=LOS_ANGELES)
    assert due_state(due, LOS_ANGELES, now).words == "Due today"
    assert due_state(due, dt.UTC, now).words == "Overdue by 1 day"


@pytest.mark.parametrize(
    ("days", "words", "colour"),
    [
        (3, "Due in 3 days", "success"),
        (2, "Due in 2 days", "info"),
        (1, "Due tomorrow", "info"),
        (0, "Due today", "warning"),
        (-1, "Overdue by 1 day", "danger"),
        (-2, "Overdue by 2 days", "danger"),
    ],
)
def test_due_state_in_words_and_colour(days, words, colour):
    now = dt.datetime(2026, 6, 10, 9, 0, tzinfo=NEW_YORK)
    # Late in the due day: still counted by date, not by hours left.
    due = dt.datetime(2026, 6, 10, 22, 0, tzinfo=NEW_YORK) + dt.timedelta(days=days)
    state = due_state(due, NEW_YORK, now)
    assert (state.words, state.colour, state.days) == (words, colour, days)


def test_a_paused_pairing_reads_as_nothing_due():
    assert due_state(None, NEW_YORK).words == "No check-in due"


# --- Property: next_due_at always equals the rule recomputed from the contacts -----------------

methods = st.sampled_from([m for m, _ in ContactLog.Method.choices])
operations = st.lists(
    st.one_of(
        st.tuples(st.just("log"), st.integers(0, 60 * 24 * 40), methods),
        st.tuples(st.just("edit"), st.integers(0, 60 * 24 * 40), methods),
        st.tuples(st.just("remove"), st.integers(0, 10), methods),
        st.tuples(st.just("pause"), st.just(0), methods),
        st.tuples(st.just("resume"), st.just(0), methods),
        st.tuples(st.just("interval"), st.integers(1, 30), methods),
    ),
    min_size=1,
    max_size=10,
)


def _expected_due(pairing, *, active, interval):
    """The rule, from the contacts and the state the test itself tracked: (last, due)."""
    real = [c.happened_at for c in pairing.contacts.exclude(method=ContactLog.Method.NO_ANSWER)]
    last = max(real) if real else None
    if not active:
        return last, None
    tz = zoneinfo.ZoneInfo(pairing.resident.house.time_zone)
    base = last.astimezone(tz) if last else pairing.started_at()
    # As a UTC instant: Python never finds a wall-clock time in a fall-back hour (01:30 on the
    # first Sunday of November in New York) equal to a time in another zone, even the same instant.
    return last, (base + dt.timedelta(days=interval)).astimezone(dt.UTC)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ops=operations,
    tz=st.sampled_from(["America/New_York", "America/Los_Angeles", "America/Phoenix", "UTC"]),
    interval=st.integers(1, 30),
)
def test_next_due_always_follows_the_rule_after_any_writes(ops, tz, interval):
    """Contacts logged, edited and removed, the pairing paused, resumed and its interval changed,
    in any order: after every step next_due_at is the rule recomputed from scratch."""
    with transaction.atomic():
        now = timezone.now()
        pairing = _pairing(
            tz=tz, started_on=timezone.localdate() - dt.timedelta(days=41), interval=interval
        )
        author = pairing.mentor.user
        start = pairing.started_at()
        active = True
        for op, number, method in ops:
            when = min(start + dt.timedelta(minutes=number), now)
            contacts = list(pairing.contacts.order_by("pk"))
            if op == "log" or (op in ("edit", "remove") and not contacts):
                services.contact_log(
                    pairing=pairing,
                    author=author,
                    happened_at=when,
                    method=method,
                    duration_minutes=10,
                )
            elif op == "edit":
                services.contact_update(
                    contact=contacts[number % len(contacts)],
                    editor=author,
                    happened_at=when,
                    method=method,
                    duration_minutes=15,
                )
            elif op == "remove":
                services.contact_remove(contact=contacts[number % len(contacts)], user=author)
            elif op == "pause" and active:
                matching_services.pairing_pause(pairing=pairing)
                active = False
            elif op == "resume" and not active:
                matching_services.pairing_resume(pairing=pairing)
                active = True
            elif op in ("pause", "resume"):
                # Pausing a paused pairing or resuming an active one is refused and changes nothing.
                before = pairing.next_due_at
                service = getattr(matching_services, f"pairing_{op}")
                with pytest.raises(ValidationError):
                    service(pairing=pairing)
                pairing.refresh_from_db()
                assert pairing.next_due_at == before
            else:
                matching_services.pairing_change_interval(
                    pairing=pairing, checkin_interval_days=number
                )
                interval = number
            pairing.refresh_from_db()
            last, due = _expected_due(pairing, active=active, interval=interval)
            assert pairing.status == (Pairing.Status.ACTIVE if active else Pairing.Status.PAUSED)
            assert pairing.checkin_interval_days == interval
            assert pairing.last_contact_at == last
            assert pairing.next_due_at == due
        transaction.set_rollback(True)
