"""The database enforces the group session invariants, whatever code writes."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from activity_log.models import Attendance, GroupSession
from tests import factories as f

pytestmark = pytest.mark.django_db


def _fails(write) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_a_session_ends_after_it_starts(house):
    session = f.GroupSessionFactory(house=house)
    _fails(lambda: GroupSession.objects.filter(pk=session.pk).update(duration_minutes=0))


def test_one_attendance_row_per_resident_per_session(house):
    row = f.AttendanceFactory(session__house=house)
    _fails(lambda: Attendance.objects.create(session=row.session, resident=row.resident))


def test_one_attendance_row_per_mentor_per_session(house, mentor):
    session = f.GroupSessionFactory(house=house, kind=GroupSession.Kind.MENTOR_CIRCLE)
    Attendance.objects.create(session=session, mentor=mentor)
    _fails(lambda: Attendance.objects.create(session=session, mentor=mentor))


def test_an_attendance_row_is_a_resident_or_a_mentor(house, mentor):
    session = f.GroupSessionFactory(house=house)
    resident = f.ResidentFactory(house=house)
    _fails(lambda: Attendance.objects.create(session=session))
    _fails(lambda: Attendance.objects.create(session=session, resident=resident, mentor=mentor))


def test_a_series_has_one_occurrence_per_date(house, manager):
    from activity_log.groups import services

    series = services.group_series_create(
        creator=manager,
        house=house,
        kind="house_meeting",
        title="Meeting",
        starts_on=dt.date(2026, 1, 5),
        start_time=dt.time(18),
        until=dt.date(2026, 1, 5),
        today=dt.date(2026, 1, 1),
    )
    first = series.sessions.get()
    _fails(
        lambda: GroupSession.objects.create(
            house=house,
            kind="house_meeting",
            title="Again",
            starts_at=first.starts_at,
            series=series,
            series_date=first.series_date,
            created_by=manager,
        )
    )


def test_a_reason_only_on_a_cancelled_session(house):
    session = f.GroupSessionFactory(house=house)
    _fails(lambda: GroupSession.objects.filter(pk=session.pk).update(cancel_reason="why"))
