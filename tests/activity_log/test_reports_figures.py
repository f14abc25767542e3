"""Every report figure against a hand-built data set where the right answer is known.

The period P is 30 whole days ending ten days ago, in the program time zone (America/New_York).
T is 00:00 local on P's first day.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from activity_log.models import ContactLog
from activity_log.reports.funder import build_report
from activity_log.reports.rollup import rollup_rebuild
from activity_log.reports.scope import Period, scope_for
from matching.models import Pairing
from residents.models import RecoveryGoal, Resident
from tests import factories as f

pytestmark = pytest.mark.django_db


def local(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def period():
    end = timezone.localdate() - dt.timedelta(days=10)
    return Period(end - dt.timedelta(days=29), end)


def _mentor(house=None):
    mentor = f.ClearedMentorFactory(trained=False)
    f.complete_required_training(mentor, on=timezone.localdate() - dt.timedelta(days=100))
    if house is not None:
        mentor.serves_all_houses = False
        mentor.save()
        mentor.houses.add(house)
    return mentor


def _contact(pairing, at, **kwargs):
    kwargs.setdefault("duration_minutes", 30)
    return f.ContactLogFactory(pairing=pairing, happened_at=at, **kwargs)


@pytest.fixture
def data(period, house, house2):
    """The hand-built world; returns named objects for the tests."""
    d1, d2 = period.start, period.end
    t = local(d1)
    m1, m2 = _mentor(), _mentor()
    other_mentor = _mentor(house=house2)
    f.TrainingRecordFactory(mentor=m1, completed_on=d1 + dt.timedelta(days=1), hours=Decimal("2"))
    f.TrainingRecordFactory(
        mentor=other_mentor, completed_on=d1 + dt.timedelta(days=1), hours=Decimal("3")
    )

    def resident(days_before_d1, **kwargs):
        return f.ResidentFactory(
            house=kwargs.pop("house", house),
            move_in_date=d1 - dt.timedelta(days=days_before_d1),
            **kwargs,
        )

    r1 = resident(100)
    r2 = resident(20)  # served, no pairing, no contacts
    r3 = resident(195, status=Resident.Status.GRADUATED, exit_date=d1 + dt.timedelta(days=5))
    r4 = resident(20, status=Resident.Status.DISCHARGED, exit_date=d1 + dt.timedelta(days=3))
    resident(-40)  # moved in after the period: not served
    resident(300, status=Resident.Status.MOVED_OUT, exit_date=d1 - dt.timedelta(days=1))
    r8 = resident(100)
    r9 = resident(50)
    r10 = resident(83, status=Resident.Status.GRADUATED, exit_date=d1 + dt.timedelta(days=7))

    # p1: weekly, started well before; contacts decide on time / late.
    p1 = f.PairingFactory(mentor=m1, resident=r1, started_on=d1 - dt.timedelta(days=60))
    _contact(p1, t - dt.timedelta(days=3))  # before P: only the previous contact
    c_b = _contact(p1, t + dt.timedelta(days=3))  # on time (6 days)
    c_c = _contact(p1, t + dt.timedelta(days=13), concern_level="urgent")  # late (10 days), urgent
    c_d = _contact(
        p1, t + dt.timedelta(days=20, hours=11), concern_level="urgent"
    )  # 7 days 11 h: inside the 12 h grace
    c_e = _contact(p1, local(d2, 23, 30), concern_level="urgent")  # late; 23:30 on the last day
    _contact(p1, local(d2 + dt.timedelta(days=1), 0, 30))  # 00:30 the day after: outside P
    _contact(p1, t + dt.timedelta(days=4), method=ContactLog.Method.NO_ANSWER, duration_minutes=5)
    c_b.topics.add(f.topic("goal-setting"), f.topic("coping"))
    c_c.topics.add(f.topic("coping"))
    # Acknowledged 2 h and 4 h after being logged; c_e never.
    for contact, hours in ((c_c, 2), (c_d, 4)):
        ContactLog.objects.filter(pk=contact.pk).update(
            created_at=contact.happened_at,
            acknowledged_at=contact.happened_at + dt.timedelta(hours=hours),
        )
    p1.last_contact_at = local(d2 + dt.timedelta(days=1), 0, 30)
    p1.refresh_due()
    p1.save()

    # p3: ended when r3 graduated; no contacts in P.
    f.PairingFactory(
        mentor=m2,
        resident=r3,
        started_on=d1 - dt.timedelta(days=150),
        status=Pairing.Status.ENDED,
        ended_on=d1 + dt.timedelta(days=5),
        end_reason=Pairing.EndReason.RESIDENT_LEFT,
    )
    # p8: paused mid-period; its two contacts before the pause were on time.
    p8 = f.PairingFactory(mentor=m1, resident=r8, started_on=d1 - dt.timedelta(days=1))
    _contact(p8, t + dt.timedelta(days=5), method=ContactLog.Method.PHONE, duration_minutes=45)
    _contact(p8, t + dt.timedelta(days=12), method=ContactLog.Method.PHONE, duration_minutes=45)
    Pairing.objects.filter(pk=p8.pk).update(
        status=Pairing.Status.PAUSED, paused_on=d1 + dt.timedelta(days=15), next_due_at=None
    )
    # p9: started in P, never contacted: one missed check-in.
    f.PairingFactory(mentor=m2, resident=r9, started_on=d1 + dt.timedelta(days=3))

    f.RecoveryGoalFactory(
        resident=r1, status=RecoveryGoal.Status.ACHIEVED, closed_on=d1 + dt.timedelta(days=2)
    )
    f.RecoveryGoalFactory(
        resident=r2,
        category=RecoveryGoal.Category.HOUSING,
        status=RecoveryGoal.Status.ACHIEVED,
        closed_on=d1 - dt.timedelta(days=2),
    )
    f.RecoveryGoalFactory(resident=r1)  # open

    # Another house: never in the manager's figures.
    r7 = resident(100, house=house2)
    p7 = f.PairingFactory(mentor=other_mentor, resident=r7, started_on=d1 - dt.timedelta(days=60))
    for day in (2, 8, 14):
        _contact(p7, t + dt.timedelta(days=day), duration_minutes=60, concern_level="urgent")
    f.RecoveryGoalFactory(
        resident=r7, status=RecoveryGoal.Status.ACHIEVED, closed_on=d1 + dt.timedelta(days=2)
    )
    rollup_rebuild()  # factories skip the services that keep the roll-up in step
    return {"r4": r4, "r10": r10, "c_e": c_e}


def _scope(user, houses, house_id=None, admin=False):
    return scope_for(user, house_id, houses, all_houses=admin)


def test_manager_report_matches_the_hand_count(data, period, manager, house):
    report = build_report(_scope(manager, [house]), period)

    assert report.residents_served == 7  # r1 r2 r3 r4 r8 r9 r10
    assert report.residents_mentored == 4  # r1 r3 r8 r9
    assert report.mentored_share == pytest.approx(4 / 7)
    assert report.contacts_total == 7  # p1: 4 + no answer, p8: 2
    methods = dict(report.by_method)
    assert methods["In person"] == 4
    assert methods["Phone"] == 2
    assert methods["Tried, no answer"] == 1
    assert methods["Video"] == 0
    assert dict(report.by_topic) == {"Coping strategies": 2, "Goal setting": 1}
    # 4 x 30 + 2 x 45 + 5 = 215 minutes; 2 hours of training by m1 in P.
    assert report.contact_hours == Decimal("3.6")
    assert report.training_hours == Decimal("2.0")
    assert report.hours_total == Decimal("5.6")
    # Made: c_b c_c c_d c_e + p8 x2 = 6; on time: c_b c_d + p8 x2 = 4; missed: p9.
    assert report.on_time == {"made": 6, "on_time": 4, "missed": 1, "share": pytest.approx(4 / 7)}
    assert report.urgent_raised == 3
    assert report.urgent_acknowledged == 2
    assert report.median_acknowledge == dt.timedelta(hours=3)
    exits = {(g.status, g.mentored): (g.count, g.average_stay_days) for g in report.exits}
    assert exits[("graduated", True)] == (1, 200.0)
    assert exits[("graduated", False)] == (1, 90.0)
    assert exits[("discharged", False)] == (1, 23.0)
    assert exits[("discharged", True)] == (0, None)
    assert exits[("moved_out", False)] == (0, None)
    assert report.goals_achieved == 1
    assert dict(report.goals_by_category)["Employment"] == 1


def test_admin_filtered_to_one_house_sees_the_same_figures_as_its_manager(
    data, period, manager, program_admin, house, house2
):
    mine = build_report(_scope(manager, [house]), period)
    filtered = build_report(
        _scope(program_admin, [house, house2], house_id=house.pk, admin=True), period
    )
    assert filtered == mine


def test_admin_without_a_filter_counts_every_house(data, period, program_admin, house, house2):
    report = build_report(_scope(program_admin, [house, house2], admin=True), period)
    assert report.residents_served == 8
    assert report.contacts_total == 10
    assert report.urgent_raised == 6
    assert report.training_hours == Decimal("5.0")
    assert report.goals_achieved == 2


def test_a_contact_at_2330_on_the_last_day_counts_and_0030_the_next_day_does_not(
    data, period, manager, house
):
    report = build_report(_scope(manager, [house]), period)
    assert report.contacts_total == 7
    shorter = Period(period.start, period.end - dt.timedelta(days=1))
    assert build_report(_scope(manager, [house]), shorter).contacts_total == 6


def test_a_contact_at_0010_on_the_first_day_counts_and_2350_the_day_before_does_not(
    period, manager, house
):
    pairing = f.PairingFactory(resident__house=house)
    _contact(pairing, local(period.start, 0, 10))
    _contact(pairing, local(period.start - dt.timedelta(days=1), 23, 50))
    rollup_rebuild()
    report = build_report(_scope(manager, [house]), period)
    assert report.contacts_total == 1


def test_an_empty_period_gives_zeros_and_no_shares(manager, house):
    period = Period.last_days(30)
    report = build_report(_scope(manager, [house]), period)
    assert report.residents_served == 0
    assert report.mentored_share is None
    assert report.contacts_total == 0
    assert report.on_time == {"made": 0, "on_time": 0, "missed": 0, "share": None}
    assert report.median_acknowledge is None
    assert report.hours_total == Decimal("0")
    assert all(g.count == 0 for g in report.exits)


def test_ages_are_banded_from_the_birth_year(period, manager, house):
    year = period.end.year
    for age in (20, 30, 31, 70):
        f.ResidentFactory(house=house, birth_year=year - age)
    f.ResidentFactory(house=house, birth_year=None)
    bands = dict(build_report(_scope(manager, [house]), period).age_bands)
    assert bands == {
        "Under 25": 1,
        "25-34": 2,
        "35-44": 0,
        "45-54": 0,
        "55-64": 0,
        "65 and over": 1,
        "Not recorded": 1,
    }
