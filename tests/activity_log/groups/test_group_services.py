"""Services: weekly series (bounded, idempotent), editing this one / this and following,
cancelling keeps the record, attendance saved once per form, the 24-hour correction rule."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from activity_log.groups import services
from activity_log.models import Attendance, GroupSeries, GroupSession
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)  # a Monday


def _series(manager, house, *, starts_on=TODAY, until=TODAY + dt.timedelta(weeks=20), **kw):
    return services.group_series_create(
        creator=manager,
        house=house,
        kind=GroupSession.Kind.HOUSE_MEETING,
        title="House meeting",
        starts_on=starts_on,
        start_time=dt.time(19, 0),
        until=until,
        today=TODAY,
        **kw,
    )


def test_a_series_makes_occurrences_eight_weeks_ahead_only(manager, house):
    series = _series(manager, house)
    dates = list(series.sessions.values_list("series_date", flat=True))
    assert dates[0] == TODAY and len(dates) == 9  # today and eight more weeks
    assert dates[-1] == TODAY + dt.timedelta(weeks=8)
    first = series.sessions.get(series_date=TODAY)
    local = timezone.localtime(first.starts_at, series.zone())
    assert (local.hour, local.minute) == (19, 0)


def test_extending_twice_creates_nothing_new_and_moves_on_with_the_days(manager, house):
    series = _series(manager, house)
    assert services.series_extend(series=series, today=TODAY) == 0
    assert services.series_extend_all(today=TODAY) == 0
    assert services.series_extend(series=series, today=TODAY + dt.timedelta(days=7)) == 1
    assert series.sessions.count() == 10


def test_a_series_stops_at_its_end_date(manager, house):
    series = _series(manager, house, until=TODAY + dt.timedelta(weeks=2, days=3))
    assert series.sessions.count() == 3
    assert services.series_extend(series=series, today=TODAY + dt.timedelta(weeks=30)) == 0


def test_occurrences_copy_the_series_facilitators(manager, house, mentor):
    series = _series(manager, house, facilitator_mentors=[mentor])
    assert all(list(s.facilitator_mentors.all()) == [mentor] for s in series.sessions.all())


def _update(session, manager, scope, **changes):
    values = {
        "title": session.title,
        "kind": session.kind,
        "starts_at": session.starts_at,
        "duration_minutes": session.duration_minutes,
        "place": session.place,
    }
    values.update(changes)
    return services.group_session_update(
        session=session, editor=manager, scope=scope, today=TODAY, **values
    )


def test_editing_this_one_detaches_it_and_leaves_the_others(manager, house):
    series = _series(manager, house)
    third = series.sessions.get(series_date=TODAY + dt.timedelta(weeks=2))
    _update(third, manager, "this", title="Special meeting", place="Garden")
    third.refresh_from_db()
    assert (third.title, third.place, third.detached, third.series_id) == (
        "Special meeting",
        "Garden",
        True,
        series.pk,
    )
    assert set(series.sessions.exclude(pk=third.pk).values_list("title", flat=True)) == {
        "House meeting"
    }
    # The window moving on does not bring back a second occurrence for that date.
    services.series_extend(series=series, today=TODAY + dt.timedelta(days=1))
    assert series.sessions.filter(series_date=third.series_date).count() == 1


def test_editing_this_and_following_splits_the_series(manager, house):
    series = _series(manager, house)
    split = series.sessions.get(series_date=TODAY + dt.timedelta(weeks=3))
    earlier = series.sessions.get(series_date=TODAY + dt.timedelta(weeks=1))
    later_edited = series.sessions.get(series_date=TODAY + dt.timedelta(weeks=5))
    _update(later_edited, manager, "this", title="Kept as edited")
    new_start = split.starts_at + dt.timedelta(hours=1)
    session = _update(split, manager, "following", title="Evening meeting", starts_at=new_start)

    series.refresh_from_db()
    assert series.until == split.series_date - dt.timedelta(days=1)
    new = GroupSeries.objects.exclude(pk=series.pk).get()
    assert (new.title, new.starts_on, new.start_time) == (
        "Evening meeting",
        split.series_date,
        dt.time(20, 0),
    )
    assert new.until == TODAY + dt.timedelta(weeks=20)
    session.refresh_from_db()
    assert session.series_id == new.pk and session.starts_at == new_start
    # Earlier occurrences stay with the old series, unchanged.
    earlier.refresh_from_db()
    assert (earlier.series_id, earlier.title) == (series.pk, "House meeting")
    # Following ones belong to the new series with its values; a hand-edited one stays.
    # Following ones belong to the new series with its values; a hand-edited one moves to it
    # as it was, and no second occurrence appears on its date.
    following = new.sessions.order_by("series_date")
    assert following.count() == 6  # weeks 3..8
    assert list(following.values_list("title", flat=True)) == [
        "Evening meeting",
        "Evening meeting",
        "Kept as edited",
        "Evening meeting",
        "Evening meeting",
        "Evening meeting",
    ]
    later_edited.refresh_from_db()
    assert later_edited.series_id == new.pk and later_edited.detached
    assert GroupSession.objects.filter(series_date=later_edited.series_date).count() == 1
    # The old series never grows past its new end.
    assert services.series_extend(series=series, today=TODAY + dt.timedelta(weeks=10)) == 0


def test_cancelling_keeps_the_record_with_its_reason(manager, house):
    session = f.GroupSessionFactory(house=house, starts_at=timezone.now() + dt.timedelta(days=1))
    services.group_session_cancel(session=session, user=manager, reason="Snow storm")
    session.refresh_from_db()
    assert session.status == GroupSession.Status.CANCELLED
    assert session.cancel_reason == "Snow storm"
    assert GroupSession.objects.filter(pk=session.pk).exists()


def test_cancelling_needs_a_reason(manager, house):
    session = f.GroupSessionFactory(house=house)
    with pytest.raises(ValidationError):
        services.group_session_cancel(session=session, user=manager, reason="  ")


def test_a_cancelled_session_takes_no_attendance(manager, house):
    session = f.GroupSessionFactory(house=house)
    services.group_session_cancel(session=session, user=manager, reason="Flood")
    with pytest.raises(ValidationError):
        services.attendance_record(session=session, taker=manager)


def test_the_same_attendance_form_posted_twice_saves_once(manager, house, mentor):
    session = f.GroupSessionFactory(house=house, facilitator_mentors=[mentor])
    residents = f.ResidentFactory.create_batch(2, house=house)
    key = uuid.uuid4()
    for _ in range(2):
        services.attendance_record(
            session=session, taker=mentor.user, residents=residents, guests=1, idempotency_key=key
        )
    session.refresh_from_db()
    assert Attendance.objects.filter(session=session).count() == 2
    assert (session.guests, session.attendance_taken_by, session.attendance_key) == (
        1,
        mentor.user,
        key,
    )


def test_a_second_form_corrects_the_list(manager, house, mentor):
    session = f.GroupSessionFactory(house=house, facilitator_mentors=[mentor])
    a, b = f.ResidentFactory.create_batch(2, house=house)
    services.attendance_record(session=session, taker=mentor.user, residents=[a])
    services.attendance_record(session=session, taker=mentor.user, residents=[b])
    assert list(session.attendance.values_list("resident_id", flat=True)) == [b.pk]


def test_the_taker_may_correct_for_24_hours_then_only_a_manager(manager, house, mentor):
    session = f.GroupSessionFactory(house=house, facilitator_mentors=[mentor])
    a, b = f.ResidentFactory.create_batch(2, house=house)
    services.attendance_record(session=session, taker=mentor.user, residents=[a])
    GroupSession.objects.filter(pk=session.pk).update(
        attendance_taken_at=timezone.now() - dt.timedelta(hours=23)
    )
    session.refresh_from_db()
    services.attendance_record(session=session, taker=mentor.user, residents=[a, b])
    GroupSession.objects.filter(pk=session.pk).update(
        attendance_taken_at=timezone.now() - dt.timedelta(hours=25)
    )
    session.refresh_from_db()
    with pytest.raises(ValidationError, match="house manager"):
        services.attendance_record(session=session, taker=mentor.user, residents=[b])
    services.attendance_record(session=session, taker=manager, residents=[b])
    assert list(session.attendance.values_list("resident_id", flat=True)) == [b.pk]


def test_attendance_takes_only_residents_of_the_house(manager, house, house2, mentor):
    session = f.GroupSessionFactory(house=house, facilitator_mentors=[mentor])
    elsewhere = f.ResidentFactory(house=house2)
    with pytest.raises(ValidationError):
        services.attendance_record(session=session, taker=mentor.user, residents=[elsewhere])


def test_attendance_waits_until_the_session_starts(manager, house):
    session = f.GroupSessionFactory(house=house, starts_at=timezone.now() + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="not started"):
        services.attendance_record(session=session, taker=manager)


def test_a_resident_facilitator_lives_in_the_house(manager, house, house2):
    with pytest.raises(ValidationError):
        services.group_session_create(
            creator=manager,
            house=house,
            kind=GroupSession.Kind.WORKSHOP,
            title="Budgeting",
            starts_at=timezone.now(),
            facilitator_residents=[f.ResidentFactory(house=house2)],
        )


def test_a_resent_older_form_does_not_undo_a_later_correction(house, mentor):
    session = f.GroupSessionFactory(house=house, facilitator_mentors=[mentor])
    a, b = f.ResidentFactory.create_batch(2, house=house)
    first, second = uuid.uuid4(), uuid.uuid4()
    services.attendance_record(
        session=session, taker=mentor.user, residents=[a], idempotency_key=first
    )
    services.attendance_record(
        session=session, taker=mentor.user, residents=[b], idempotency_key=second
    )
    # The browser resends the first form (back button, flaky connection).
    services.attendance_record(
        session=session, taker=mentor.user, residents=[a], idempotency_key=first
    )
    assert list(session.attendance.values_list("resident_id", flat=True)) == [b.pk]


def test_the_daily_beat_task_extends_every_running_series_once(manager, house, settings):
    from activity_log.tasks import extend_group_series_task

    assert "extend-group-series" in settings.CELERY_BEAT_SCHEDULE
    today = timezone.localdate()
    series = _series(manager, house, starts_on=today, until=today + dt.timedelta(weeks=20))
    GroupSession.objects.filter(series=series, series_date__gt=today).delete()
    GroupSeries.objects.filter(pk=series.pk).update(generated_until=today)
    assert extend_group_series_task() == 8
    assert extend_group_series_task() == 0
