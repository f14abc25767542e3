"""Facilitating a held session and attending a mentor circle count toward a mentor's hours,
milestones and certificate (a separate line); cancelled or untaken sessions do not."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.contacts import hours
from activity_log.groups import services
from activity_log.models import Attendance, GroupSession, Milestone
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_facilitating_a_held_session_counts_its_length(manager, house, mentor):
    session = f.GroupSessionFactory(house=house, facilitator_mentors=[mentor], duration_minutes=90)
    before = hours.mentor_hours(mentor)
    assert before.group_minutes == 0  # not held until attendance is taken
    services.attendance_record(session=session, taker=mentor.user)
    after = hours.mentor_hours(mentor)
    assert (after.group_minutes, after.group_hours) == (90, Decimal("1.5"))
    assert after.total == before.total + Decimal("1.5")


def test_attending_a_mentor_circle_counts_once(program_admin, mentor):
    circle = f.GroupSessionFactory(
        house=None,
        kind=GroupSession.Kind.MENTOR_CIRCLE,
        duration_minutes=60,
        facilitator_mentors=[mentor],  # facilitating and attending: counted once
    )
    services.attendance_record(session=circle, taker=program_admin, mentors=[mentor])
    assert hours.mentor_hours(mentor).group_minutes == 60


def test_attending_a_house_meeting_is_not_volunteer_time(manager, house, mentor):
    session = f.GroupSessionFactory(house=house)
    services.attendance_record(session=session, taker=manager)
    Attendance.objects.create(session=session, mentor=mentor)
    assert hours.mentor_hours(mentor).group_minutes == 0


def test_a_cancelled_session_does_not_count(manager, house, mentor):
    session = f.GroupSessionFactory(house=house, facilitator_mentors=[mentor])
    services.attendance_record(session=session, taker=mentor.user)
    GroupSession.objects.filter(pk=session.pk).update(status="cancelled", cancel_reason="x")
    assert hours.mentor_hours(mentor).group_minutes == 0


def test_circle_time_reaches_a_milestone(program_admin):
    mentor = f.MentorFactory(status="active")  # no training hours: the circle alone counts
    circle = f.GroupSessionFactory(
        house=None, kind=GroupSession.Kind.MENTOR_CIRCLE, duration_minutes=540
    )
    services.attendance_record(session=circle, taker=program_admin, mentors=[mentor])
    assert not Milestone.objects.filter(mentor=mentor).exists()
    circle2 = f.GroupSessionFactory(
        house=None, kind=GroupSession.Kind.MENTOR_CIRCLE, duration_minutes=60
    )
    services.attendance_record(session=circle2, taker=program_admin, mentors=[mentor])
    assert list(Milestone.objects.filter(mentor=mentor).values_list("hours", flat=True)) == [10]


def test_the_certificate_shows_group_hours_on_their_own_line(as_user, manager, house, mentor):
    session = f.GroupSessionFactory(house=house, facilitator_mentors=[mentor], duration_minutes=120)
    services.attendance_record(session=session, taker=mentor.user)
    today = timezone.localdate()
    response = as_user(mentor.user).get(
        reverse("activity_log:my_certificate"),
        {"start": f"{today - dt.timedelta(days=30):%Y-%m-%d}", "end": f"{today:%Y-%m-%d}"},
    )
    html = response.content.decode()
    assert "data-certificate-groups" in html and "2.0 hours" in html
    # Outside the range: no line.
    response = as_user(mentor.user).get(
        reverse("activity_log:my_certificate"), {"start": "2020-01-01", "end": "2020-02-01"}
    )
    assert "data-certificate-groups" not in response.content.decode()


def test_progress_shows_circles_attended_in_90_days(as_user, program_admin, mentor):
    now = timezone.now()
    for days in (10, 80, 100):
        circle = f.GroupSessionFactory(
            house=None,
            kind=GroupSession.Kind.MENTOR_CIRCLE,
            starts_at=now - dt.timedelta(days=days),
        )
        Attendance.objects.create(session=circle, mentor=mentor)
    client = as_user(mentor.user)
    assert (
        reverse("groups:my_circles")
        in client.get(reverse("activity_log:my_progress")).content.decode()
    )
    assert client.get(reverse("groups:my_circles")).context["circles"] == 2


def test_hours_by_month_include_group_time(manager, house, mentor):
    session = f.GroupSessionFactory(
        house=house,
        facilitator_mentors=[mentor],
        duration_minutes=90,
        starts_at=timezone.now() - dt.timedelta(minutes=1),
    )
    before = hours.hours_by_month(mentor)[0]
    services.attendance_record(session=session, taker=mentor.user)
    after = hours.hours_by_month(mentor)[0]
    assert after.group_hours == Decimal("1.5")
    assert after.total == before.total + Decimal("1.5")
