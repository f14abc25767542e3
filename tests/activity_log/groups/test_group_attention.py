"""Dashboard "Needs attention": sessions waiting for attendance, residents missing every house
meeting; scoped to the manager's houses, a fixed number of queries."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.groups import services
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = reverse("activity_log:dashboard")


def test_a_session_that_ended_over_a_day_ago_without_attendance_is_listed(
    as_user, manager, house, house2
):
    now = timezone.now()
    waiting = f.GroupSessionFactory(house=house, starts_at=now - dt.timedelta(days=2))
    f.GroupSessionFactory(house=house, starts_at=now - dt.timedelta(hours=20))  # too recent
    taken = f.GroupSessionFactory(house=house, starts_at=now - dt.timedelta(days=3))
    services.attendance_record(session=taken, taker=manager)
    cancelled = f.GroupSessionFactory(house=house, starts_at=now - dt.timedelta(days=3))
    cancelled.status, cancelled.cancel_reason = "cancelled", "Snow"
    cancelled.save()
    f.GroupSessionFactory(house=house2, starts_at=now - dt.timedelta(days=2))  # elsewhere
    response = as_user(manager).get(URL)
    groups = response.context["groups"]
    assert [s.pk for s in groups.no_attendance.rows] == [waiting.pk]
    assert reverse("groups:attendance", args=[waiting.pk]) in response.content.decode()


def test_a_long_session_counts_from_its_end(as_user, manager, house):
    now = timezone.now()
    f.GroupSessionFactory(
        house=house, starts_at=now - dt.timedelta(hours=25), duration_minutes=180
    )  # ended 22 hours ago
    assert as_user(manager).get(URL).context["groups"].no_attendance.rows == []


def test_residents_who_attended_no_house_meeting_in_30_days_are_listed(as_user, manager, house):
    now = timezone.now()
    came = f.ResidentFactory(house=house, preferred_name="Came")
    missed = f.ResidentFactory(house=house, preferred_name="Missed")
    f.ResidentFactory(house=house, move_in_date=timezone.localdate())  # arrived after
    meeting = f.GroupSessionFactory(house=house, starts_at=now - dt.timedelta(days=5))
    services.attendance_record(session=meeting, taker=manager, residents=[came])
    old = f.GroupSessionFactory(house=house, starts_at=now - dt.timedelta(days=40))
    services.attendance_record(session=old, taker=manager, residents=[missed])
    rows = as_user(manager).get(URL).context["groups"].missing_meetings.rows
    assert [r.pk for r in rows] == [missed.pk]


def test_a_house_without_meetings_lists_nobody(as_user, manager, house):
    f.ResidentFactory(house=house)
    assert as_user(manager).get(URL).context["groups"].missing_meetings.rows == []


def _world(house, manager, n):
    now = timezone.now()
    for i in range(n):
        f.GroupSessionFactory(house=house, starts_at=now - dt.timedelta(days=2, hours=i))
        f.ResidentFactory(house=house)
    meeting = f.GroupSessionFactory(house=house, starts_at=now - dt.timedelta(days=3))
    services.attendance_record(session=meeting, taker=manager)


def test_the_card_runs_a_fixed_number_of_queries(
    as_user, manager, house, django_assert_max_num_queries, no_page_cache
):
    client = as_user(manager)
    _world(house, manager, 2)
    client.get(URL)
    with django_assert_max_num_queries(20) as small:
        client.get(URL)
    _world(house, manager, 18)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(URL)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert response.context["groups"].no_attendance.total == 20


def test_the_count_matches_the_list(as_user, manager, house):
    now = timezone.now()
    f.GroupSessionFactory(house=house, starts_at=now - dt.timedelta(hours=25), duration_minutes=180)
    f.GroupSessionFactory(house=house, starts_at=now - dt.timedelta(hours=30), duration_minutes=60)
    groups = as_user(manager).get(URL).context["groups"]
    assert (len(groups.no_attendance.rows), groups.no_attendance.total) == (1, 1)


@pytest.mark.parametrize("minutes", [60, 90, 600])
def test_a_session_is_listed_at_most_half_an_hour_after_a_day_past_its_end(
    as_user, manager, house, minutes
):
    now = timezone.now()
    ended = now - dt.timedelta(days=1, minutes=30)  # ended a day and half an hour ago
    f.GroupSessionFactory(
        house=house, starts_at=ended - dt.timedelta(minutes=minutes), duration_minutes=minutes
    )
    f.GroupSessionFactory(  # ends within the day: not yet
        house=house,
        starts_at=now - dt.timedelta(days=1) - dt.timedelta(minutes=minutes - 10),
        duration_minutes=minutes,
    )
    groups = as_user(manager).get(URL).context["groups"]
    assert (len(groups.no_attendance.rows), groups.no_attendance.total) == (1, 1)


def test_ended_before_sql_selects_what_the_q_objects_select(house):
    """`_EndedBefore` writes the SQL of `_ended_before`'s 60 lookups directly: same sessions."""
    from django.db.models import Q

    from activity_log.groups.models import GroupSession
    from activity_log.groups.selectors import BUCKET_MINUTES, MAX_MINUTES, _EndedBefore

    def _ended_before(cutoff):
        """The reference: one Q per 30-minute step of length, OR-ed."""
        condition = Q()
        for upper in range(BUCKET_MINUTES, MAX_MINUTES + 1, BUCKET_MINUTES):
            condition |= Q(
                duration_minutes__gt=upper - BUCKET_MINUTES,
                duration_minutes__lte=upper,
                starts_at__lte=cutoff - dt.timedelta(minutes=upper),
            )
        return condition

    cutoff = timezone.now() - dt.timedelta(days=1)
    for duration in (1, 29, 30, 31, 59, 60, 61, 179, 180, 181, 599, 600):
        for minutes_before in (-5, 0, 1, 29, 30, 31, 60, 61, 180, 181, 209, 210, 600, 601, 700):
            f.GroupSessionFactory(
                house=house,
                starts_at=cutoff - dt.timedelta(minutes=minutes_before),
                duration_minutes=duration,
            )
    expected = set(GroupSession.objects.filter(_ended_before(cutoff)).values_list("pk", flat=True))
    found = set(GroupSession.objects.filter(_EndedBefore(cutoff)).values_list("pk", flat=True))
    assert found == expected
    assert 0 < len(found) < GroupSession.objects.count()
    # Usable inside a subquery too (relabelled columns).
    outer = GroupSession.objects.filter(pk__in=GroupSession.objects.filter(_EndedBefore(cutoff)))
    assert set(outer.values_list("pk", flat=True)) == expected
