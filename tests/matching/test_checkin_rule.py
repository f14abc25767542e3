"""The check-in rule (matching/checkins.py) at its edges, and every SQL form of it agreeing with
the Python form: a property-based test over random histories (contacts including "no answer",
edits, removals, pauses and resumes, interval changes, moves between houses in other time
zones) around the 2026 daylight-saving changes, checked at many instants after every step."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from activity_log.contacts import services
from activity_log.models import ContactLog
from activity_log.reports import on_time
from activity_log.reports import scope as report_scope
from matching import checkins
from matching import services as matching_services
from matching.models import Pairing
from residents import services as resident_services
from tests import factories as f

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
LONDON = zoneinfo.ZoneInfo("Europe/London")
SECOND = dt.timedelta(seconds=1)
NO_ANSWER = ContactLog.Method.NO_ANSWER


def ny(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NEW_YORK)


# --- The rule at its edges ----------------------------------------------------------------------


def test_the_whole_due_day_reads_due_today_and_overdue_starts_at_the_next_midnight():
    due = ny(2026, 4, 14, 9, 0)
    assert checkins.state_at(due, ny(2026, 4, 14, 0, 0), NEW_YORK).words == "Due today"
    assert checkins.state_at(due, ny(2026, 4, 14, 10, 0), NEW_YORK).words == "Due today"
    assert checkins.state_at(due, ny(2026, 4, 14, 23, 59), NEW_YORK).words == "Due today"
    late = checkins.state_at(due, ny(2026, 4, 15, 0, 0), NEW_YORK)
    assert (late.state, late.words, late.days_late) == (
        checkins.State.OVERDUE,
        "Overdue by 1 day",
        1,
    )
    assert checkins.state_at(due, ny(2026, 4, 17, 8, 0), NEW_YORK).words == "Overdue by 3 days"
    assert checkins.state_at(due, ny(2026, 4, 13, 12, 0), NEW_YORK).words == "Due tomorrow"
    assert checkins.state_at(due, ny(2026, 4, 11, 12, 0), NEW_YORK).words == "Due in 3 days"
    assert checkins.state_at(None, ny(2026, 4, 11, 12, 0), NEW_YORK).words == "No check-in due"
    assert checkins.overdue_from(due, NEW_YORK) == ny(2026, 4, 15, 0, 0)


def test_reminders_keep_their_grace_and_escalations_their_delay():
    due = ny(2026, 4, 14, 9, 0)
    grace, delay = django_settings.REMINDER_GRACE, django_settings.ESCALATION_DELAY
    assert not checkins.state_at(due, due + grace, NEW_YORK).reminder_worthy
    assert checkins.state_at(due, due + grace + SECOND, NEW_YORK).reminder_worthy
    assert not checkins.state_at(due, due + delay, NEW_YORK).escalation_worthy
    assert checkins.state_at(due, due + delay + SECOND, NEW_YORK).escalation_worthy


def test_due_days_are_wall_clock_days_across_daylight_saving():
    # Saturday 7 March 2026 10:00 EST; clocks go forward on Sunday 8 March.
    contact = ny(2026, 3, 7, 10, 0)
    due = checkins.due_after(contact, 1, NEW_YORK)
    assert due.astimezone(NEW_YORK).replace(tzinfo=None) == dt.datetime(2026, 3, 8, 10, 0)
    assert due - contact == dt.timedelta(hours=23)
    assert checkins.overdue_from(due, NEW_YORK) == ny(2026, 3, 9, 0, 0)
    # And back on Sunday 1 November: a 25-hour day.
    autumn = checkins.due_after(ny(2026, 10, 31, 10, 0), 1, NEW_YORK)
    assert autumn - ny(2026, 10, 31, 10, 0) == dt.timedelta(hours=25)


def test_a_contact_on_its_due_day_is_on_time_and_the_next_day_is_late():
    started = dt.date(2026, 4, 1)
    judged = checkins.judge(
        [
            (1, ny(2026, 4, 8, 23, 30), "phone"),  # due 8 April 00:00: on its due day
            (2, ny(2026, 4, 9, 12, 0), NO_ANSWER),  # never judged, never moves the due
            (3, ny(2026, 4, 16, 0, 0), "phone"),  # due 15 April 23:30: the next day, late
        ],
        started_on=started,
        interval_days=7,
        tz=NEW_YORK,
    )
    assert [(j.contact_id, j.on_time) for j in judged] == [(1, True), (3, False)]


# --- Every SQL form agrees with the Python form ------------------------------------------------

STARTS = st.sampled_from(
    [
        dt.date(2026, 2, 26),
        dt.date(2026, 3, 5),
        dt.date(2026, 3, 8),
        dt.date(2026, 3, 22),
        dt.date(2026, 10, 18),
        dt.date(2026, 10, 24),
        dt.date(2026, 10, 31),
        dt.date(2026, 11, 1),
    ]
)
MINUTES = st.integers(0, 60 * 24 * 40)
METHODS = st.sampled_from(["in_person", "phone", NO_ANSWER])
operations = st.lists(
    st.one_of(
        st.tuples(st.just("log"), MINUTES, METHODS),
        st.tuples(st.just("log"), MINUTES, METHODS),
        st.tuples(st.just("edit"), MINUTES, METHODS),
        st.tuples(st.just("remove"), st.integers(0, 10), st.just("")),
        st.tuples(st.just("pause"), st.just(0), st.just("")),
        st.tuples(st.just("resume"), st.just(0), st.just("")),
        st.tuples(st.just("interval"), st.integers(1, 30), st.just("")),
        st.tuples(st.just("move"), st.integers(0, 1), st.just("")),
        st.tuples(st.just("clock"), MINUTES, st.just("")),
    ),
    max_size=10,
)


def _instants(pairing: Pairing, clock: dt.datetime) -> list[dt.datetime]:
    """The moment of the step and each edge of the rule around the pairing's due time."""
    instants = [clock]
    due = pairing.next_due_at
    if due is not None:
        tz = pairing.zone
        edges = [
            due,
            checkins.overdue_from(due, tz),
            checkins.reminder_from(due),
            checkins.escalation_from(due),
            checkins.start_of_day(checkins.due_day(due, tz), tz),
        ]
        instants += [edge + delta for edge in edges for delta in (-SECOND, dt.timedelta(0), SECOND)]
    return instants


def _assert_agree(pairing: Pairing, clock: dt.datetime, admin_user, houses) -> None:
    pairing = Pairing.objects.select_related("resident__house").get(pk=pairing.pk)
    tz = pairing.zone
    contacts = list(pairing.contacts.values_list("id", "happened_at", "method", "on_time"))

    # The stored instants are the rule's, recomputed here from the contacts alone.
    last = max((c[1] for c in contacts if c[2] != NO_ANSWER), default=None)
    due, overdue_at = checkins.next_due(
        active=pairing.status == Pairing.Status.ACTIVE,
        started_on=pairing.started_on,
        last_contact_at=last,
        interval_days=pairing.checkin_interval_days,
        tz=tz,
    )
    assert (pairing.last_contact_at, pairing.next_due_at, pairing.overdue_at) == (
        last,
        due,
        overdue_at,
    )
    judged = checkins.on_time_by_contact(
        [c[:3] for c in contacts],
        started_on=pairing.started_on,
        interval_days=pairing.checkin_interval_days,
        tz=tz,
    )
    assert {c[0]: c[3] for c in contacts} == judged

    one = Pairing.objects.filter(pk=pairing.pk)
    for t in _instants(pairing, clock):
        state = pairing.checkin_state(t)
        if due is not None:
            # Overdue exactly when the house's calendar has moved past the due day.
            assert state.is_overdue == (t.astimezone(tz).date() > due.astimezone(tz).date())
        assert one.overdue(t).exists() == state.is_overdue, t
        assert one.reminder_due(t).exists() == state.reminder_worthy, t
        assert one.escalation_due(t).exists() == state.escalation_worthy, t
        owed = one.filter(checkins.reminder_or_escalation_q(t)).exists()
        assert owed == (state.reminder_worthy or state.escalation_worthy), t
        period = report_scope.Period(dt.date(2026, 1, 1), timezone.localdate(t))
        missed = one.filter(on_time._missed_filter(period, t)).exists()
        assert missed == state.is_overdue, t

    # The reports' figures (on-time contacts, missed check-ins) at the step's moment.
    period = report_scope.Period(
        pairing.started_on - dt.timedelta(days=1), timezone.localdate(clock)
    )
    in_period = [c for c in contacts if period.start_at <= c[1] < period.end_at]
    expected = {
        "made": sum(1 for c in in_period if c[2] != NO_ANSWER),
        "on_time": sum(1 for c in in_period if judged[c[0]]),
        "missed": int(checkins.state_at(due, period.judged_until(clock), tz).is_overdue),
    }
    scope = report_scope.scope_for(admin_user, None, houses, all_houses=True)
    figures = on_time.on_time_figures(scope, {"p": period}, clock)["p"]
    assert {k: figures[k] for k in expected} == expected
    totals = on_time.checkins_by_mentor(scope, {"p": period}, rank="p", now=clock, limit=5)
    assert {k: totals.totals["p"][k] for k in expected} == expected

    # Streaks: the replay's last overdue span covers `clock` exactly when the pairing is overdue.
    if pairing.status == Pairing.Status.ACTIVE and all(c[1] <= clock for c in contacts):
        spans = checkins.overdue_spans(
            sorted(c[1] for c in contacts if c[2] != NO_ANSWER),
            started_on=pairing.started_on,
            interval_days=pairing.checkin_interval_days,
            tz=tz,
            end=clock + dt.timedelta(microseconds=1),
            still_owed=True,
        )
        covered = any(s <= clock < e for s, e in spans)
        assert covered == pairing.checkin_state(clock).is_overdue


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(start=STARTS, interval=st.integers(1, 30), ops=operations)
@example(start=dt.date(2026, 3, 7), interval=1, ops=[("log", 60 * 10, "phone")])
@example(start=dt.date(2026, 10, 31), interval=1, ops=[("log", 60 * 25, "phone"), ("move", 1, "")])
def test_every_sql_form_agrees_with_the_python_form(start, interval, ops, program_admin):
    with transaction.atomic():
        house = f.HouseFactory(name="East", time_zone="America/New_York")
        house2 = f.HouseFactory(name="West", time_zone="Europe/London")
        pairing = f.PairingFactory(
            mentor=f.ClearedMentorFactory(),
            resident__house=house,
            started_on=start,
            checkin_interval_days=interval,
        )
        author = pairing.mentor.user
        latest = timezone.now() - dt.timedelta(minutes=1)
        clock = min(pairing.started_at() + dt.timedelta(days=3), latest)
        _assert_agree(pairing, clock, program_admin, [house, house2])
        for op, number, method in ops:
            pairing = Pairing.objects.select_related("resident__house", "mentor").get(pk=pairing.pk)
            when = min(pairing.started_at() + dt.timedelta(minutes=number), latest)
            contacts = list(pairing.contacts.order_by("pk"))
            try:
                if op == "log" or (op == "edit" and not contacts):
                    services.contact_log(
                        pairing=pairing, author=author, happened_at=when, method=method or "phone"
                    )
                elif op == "edit":
                    services.contact_update(
                        contact=contacts[number % len(contacts)],
                        editor=author,
                        happened_at=when,
                        method=method,
                        duration_minutes=20,
                    )
                elif op == "remove" and contacts:
                    services.contact_remove(contact=contacts[number % len(contacts)], user=author)
                elif op == "pause":
                    matching_services.pairing_pause(pairing=pairing)
                elif op == "resume":
                    matching_services.pairing_resume(pairing=pairing)
                elif op == "interval":
                    matching_services.pairing_change_interval(
                        pairing=pairing, checkin_interval_days=number
                    )
                elif op == "move":
                    resident_services.resident_update(
                        resident=pairing.resident, house=(house, house2)[number]
                    )
                elif op == "clock":
                    clock = when
            except ValidationError:
                pass  # e.g. resuming an active pairing, logging on a paused one: refused
            _assert_agree(pairing, clock, program_admin, [house, house2])
        transaction.set_rollback(True)


# --- Writes that bypass the services keep the stored instants in step ---------------------------


def test_a_contact_corrected_in_the_admin_moves_the_due_time_and_on_time(house):
    pairing = f.PairingFactory(resident__house=house, started_on=dt.date(2026, 4, 1))
    contact = services.contact_log(
        pairing=pairing,
        author=pairing.mentor.user,
        happened_at=ny(2026, 4, 8, 12, 0),
        method="phone",
    )
    assert ContactLog.objects.get(pk=contact.pk).on_time is True
    # What the admin's change form does: save the row, then recompute (ContactLogAdmin).
    ContactLog.objects.filter(pk=contact.pk).update(happened_at=ny(2026, 4, 9, 12, 0))
    services.pairings_recompute_due([pairing.pk])
    pairing.refresh_from_db()
    assert ContactLog.objects.get(pk=contact.pk).on_time is False
    assert pairing.next_due_at == ny(2026, 4, 16, 12, 0)
    assert pairing.overdue_at == ny(2026, 4, 17, 0, 0)


def test_an_interval_changed_in_the_admin_judges_the_contacts_again(house, rf, program_admin):
    from django.contrib.admin.sites import site

    pairing = f.PairingFactory(resident__house=house, started_on=dt.date(2026, 4, 1))
    contact = services.contact_log(
        pairing=pairing,
        author=pairing.mentor.user,
        happened_at=ny(2026, 4, 8, 12, 0),
        method="phone",
    )
    assert ContactLog.objects.get(pk=contact.pk).on_time is True
    pairing.checkin_interval_days = 3

    class Form:
        changed_data = ["checkin_interval_days"]

    request = rf.post("/")
    request.user = program_admin
    site._registry[Pairing].save_model(request, pairing, Form(), change=True)
    assert ContactLog.objects.get(pk=contact.pk).on_time is False
    pairing.refresh_from_db()
    assert pairing.next_due_at == ny(2026, 4, 11, 12, 0)


def test_the_migrations_fill_the_stored_instants_as_the_writes_do(house):
    """matching 0004 and activity_log 0011 with the models: the same columns as the services."""
    import importlib

    from django.apps import apps

    pairing = f.PairingFactory(resident__house=house, started_on=dt.date(2026, 3, 1))
    for when, method in ((ny(2026, 3, 8, 23, 0), "phone"), (ny(2026, 3, 12, 9, 0), NO_ANSWER)):
        services.contact_log(
            pairing=pairing, author=pairing.mentor.user, happened_at=when, method=method
        )
    services.contact_log(
        pairing=pairing, author=pairing.mentor.user, happened_at=ny(2026, 3, 17, 9, 0)
    )

    def stored():
        return (
            list(Pairing.objects.values_list("pk", "next_due_at", "overdue_at")),
            sorted(ContactLog.objects.values_list("pk", "on_time")),
        )

    by_writes = stored()
    assert by_writes[1] == sorted(
        zip(
            ContactLog.objects.order_by("happened_at").values_list("pk", flat=True),
            [True, None, False],
            strict=True,
        )
    )
    Pairing.objects.update(next_due_at=None, overdue_at=None)
    ContactLog.objects.update(on_time=None)
    importlib.import_module("matching.migrations.0004_pairing_overdue_at").fill_due(apps, None)
    importlib.import_module("activity_log.migrations.0011_contact_on_time").judge_contacts(
        apps, None
    )
    assert stored() == by_writes
