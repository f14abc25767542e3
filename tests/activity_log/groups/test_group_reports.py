"""Group figures on the reports page and exports, against a data set with known answers;
small counts suppressed in the de-identified export; one query whatever the size."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.groups import services
from activity_log.groups.reports import group_figures
from activity_log.models import GroupSession
from activity_log.reports.scope import Period, Scope
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def period():
    end = timezone.localdate() - dt.timedelta(days=1)
    return Period(end - dt.timedelta(days=29), end)


def _scope(user, house=None):
    return Scope(user=user, house_ids=(house.pk,) if house else ())


@pytest.fixture
def world(manager, house, house2, mentor, program_admin):
    now = timezone.now()
    residents = f.ResidentFactory.create_batch(
        4, house=house, move_in_date=timezone.localdate() - dt.timedelta(days=100)
    )
    # Two house meetings: 3 and 2 of 4 residents; one workshop facilitated by the mentor (90 min).
    for days, present in ((5, residents[:3]), (12, residents[:2])):
        meeting = f.GroupSessionFactory(house=house, starts_at=now - dt.timedelta(days=days))
        services.attendance_record(session=meeting, taker=manager, residents=present)
    workshop = f.GroupSessionFactory(
        house=house,
        kind=GroupSession.Kind.WORKSHOP,
        starts_at=now - dt.timedelta(days=6),
        duration_minutes=90,
        facilitator_mentors=[mentor],
    )
    services.attendance_record(session=workshop, taker=manager, residents=residents[3:])
    # Not counted: cancelled, not taken, before the period, another house.
    f.GroupSessionFactory(house=house, status="cancelled", cancel_reason="Snow")
    f.GroupSessionFactory(house=house, starts_at=now - dt.timedelta(days=3))
    old = f.GroupSessionFactory(house=house, starts_at=now - dt.timedelta(days=60))
    services.attendance_record(session=old, taker=manager, residents=residents)
    other = f.GroupSessionFactory(house=house2, starts_at=now - dt.timedelta(days=5))
    services.attendance_record(
        session=other, taker=program_admin, residents=[f.ResidentFactory(house=house2)]
    )
    return residents


def test_the_figures_count_held_sessions_in_scope_and_period(manager, house, world, period):
    figures = group_figures(_scope(manager, house), period)
    held = dict(figures.held_by_kind)
    assert (held["House meeting"], held["Skills workshop"], figures.sessions_held) == (2, 1, 3)
    assert (figures.resident_attendances, figures.unique_residents) == (6, 4)
    assert (figures.seats_filled, figures.seats_offered) == (5, 8)
    assert figures.attendance_rate == 5 / 8
    assert figures.facilitation_hours == Decimal("1.5")


def test_the_page_and_the_exports_show_them(as_user, manager, house, world):
    client = as_user(manager)
    html = client.get(reverse("activity_log:reports")).content.decode()
    assert 'id="group-figures"' in html
    assert "62%" in html or "63%" in html  # 5 of 8
    staff = client.get(reverse("activity_log:reports_csv")).content.decode()
    assert "group sessions,unique residents attending,4" in staff
    funder = client.get(reverse("activity_log:reports_funder_csv")).content.decode()
    assert "group sessions,unique residents attending,<5" in funder
    assert "group sessions,house meeting attendance rate,suppressed (small numbers)" in funder


def test_the_figures_run_in_one_query(manager, house, world, period, django_assert_num_queries):
    group_figures(_scope(manager, house), period)  # the role is looked up once per user
    with django_assert_num_queries(1):
        group_figures(_scope(manager, house), period)
    for session in f.GroupSessionFactory.create_batch(5, house=house):
        f.AttendanceFactory(session=session)
        GroupSession.objects.filter(pk=session.pk).update(attendance_taken_at=timezone.now())
    with django_assert_num_queries(1):
        group_figures(_scope(manager, house), period)
