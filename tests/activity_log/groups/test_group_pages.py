"""Manager pages (schedule, edit, cancel, house page, resident section) and the facilitator's
phone pages (Today, attendance), with fixed query counts at two data sizes."""

import datetime as dt
import uuid
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.groups import services
from activity_log.models import Attendance, GroupSeries, GroupSession
from mentoring_site.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


def _local(days=1, hour=18):
    day = timezone.localdate() + dt.timedelta(days=days)
    return f"{day:%Y-%m-%d}T{hour:02d}:00"


def _form(for_house, **extra):
    data = {
        "house": for_house.pk,
        "kind": "house_meeting",
        "title": "House meeting",
        "starts_at": _local(),
        "duration_minutes": "60",
        "place": "Living room",
    }
    data.update(extra)
    return data


def test_a_manager_schedules_a_session_in_the_house_time_zone(as_user, manager, house):
    response = as_user(manager).post(reverse("groups:new"), _form(house))
    session = GroupSession.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("groups:detail", args=[session.pk])
    local = session.starts_at.astimezone(zoneinfo.ZoneInfo(house.time_zone))
    assert (local.hour, session.house, session.created_by) == (18, house, manager)


def test_a_manager_schedules_a_weekly_series(as_user, manager, house):
    until = timezone.localdate() + dt.timedelta(weeks=3, days=1)
    as_user(manager).post(reverse("groups:new"), _form(house, repeat_until=f"{until:%Y-%m-%d}"))
    series = GroupSeries.objects.get()
    assert series.sessions.count() == 4


def test_bad_input_keeps_the_typed_values(as_user, manager, house):
    response = as_user(manager).post(
        reverse("groups:new"), _form(house, duration_minutes="0", title="Budget workshop")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a length between 1 and 600 minutes." in html
    assert 'value="Budget workshop"' in html
    assert not GroupSession.objects.exists()


def test_a_manager_cannot_schedule_in_another_house_or_program_wide(
    as_user, manager, house, house2
):
    client = as_user(manager)
    response = client.post(reverse("groups:new"), _form(house2))
    assert response.status_code == 200 and not GroupSession.objects.exists()
    response = client.post(reverse("groups:new"), _form(house, house=""))
    assert response.status_code == 200 and not GroupSession.objects.exists()


def test_an_admin_schedules_a_program_wide_circle(as_user, program_admin, house):
    as_user(program_admin).post(
        reverse("groups:new"), _form(house, house="", kind="mentor_circle", title="Circle")
    )
    assert GroupSession.objects.get().house is None


def test_edit_this_and_following_through_the_page(as_user, manager, house):
    series = services.group_series_create(
        creator=manager,
        house=house,
        kind="house_meeting",
        title="House meeting",
        starts_on=timezone.localdate() + dt.timedelta(days=1),
        start_time=dt.time(18),
        until=timezone.localdate() + dt.timedelta(weeks=6),
    )
    second = series.sessions.order_by("series_date")[1]
    data = _form(house, title="Tuesday meeting", scope="following")
    data["starts_at"] = timezone.localtime(second.starts_at, series.zone()).strftime(
        "%Y-%m-%dT%H:%M"
    )
    response = as_user(manager).post(reverse("groups:edit", args=[second.pk]), data)
    assert response.status_code == 302
    series.refresh_from_db()
    assert series.until == second.series_date - dt.timedelta(days=1)
    assert GroupSeries.objects.count() == 2


def test_cancel_asks_for_confirmation_and_keeps_the_record(as_user, manager, house):
    session = f.GroupSessionFactory(house=house, starts_at=timezone.now() + dt.timedelta(days=2))
    client = as_user(manager)
    page = client.get(reverse("groups:cancel", args=[session.pk]))
    assert "stays on the calendar" in page.content.decode()
    session.refresh_from_db()
    assert session.status == GroupSession.Status.SCHEDULED  # a GET changes nothing
    missing = client.post(reverse("groups:cancel", args=[session.pk]), {"reason": ""})
    assert missing.status_code == 400
    client.post(reverse("groups:cancel", args=[session.pk]), {"reason": "Holiday"})
    session.refresh_from_db()
    assert (session.status, session.cancel_reason) == ("cancelled", "Holiday")


def test_the_attendance_screen_lists_active_residents_as_chips(as_user, mentor, house):
    session = f.GroupSessionFactory(house=house, facilitator_mentors=[mentor])
    f.ResidentFactory(house=house, preferred_name="Robin")
    f.ResidentFactory(
        house=house, preferred_name="Gone", status="moved_out", exit_date=timezone.localdate()
    )
    response = as_user(mentor.user).get(reverse("groups:attendance", args=[session.pk]))
    html = response.content.decode()
    assert "Robin" in html and "Gone" not in html
    assert 'class="btn-check"' in html
    assert f'data-draft-key="attendance-draft:{session.pk}"' in html
    assert response.context["form"]["idempotency_key"].value()


@pytest.mark.parametrize("role", ["mentor", "manager"])
def test_the_attendance_screen_reads_its_residents_once_at_any_size(
    as_user, mentor, manager, house, role, django_assert_max_num_queries
):
    """The chips and the audit rows come from one read of the residents: Django's choice
    iterator read them again (on PostgreSQL through a server-side cursor) each time."""
    session = f.GroupSessionFactory(house=house, facilitator_mentors=[mentor])
    client = as_user(mentor.user if role == "mentor" else manager)
    url = reverse("groups:attendance", args=[session.pk])
    f.ResidentFactory.create_batch(2, house=house)
    client.get(url)  # warm the session and role caches
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    f.ResidentFactory.create_batch(25, house=house)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        html = client.get(url).content.decode()
    assert len(large.captured_queries) == len(small.captured_queries)
    sql = [q["sql"] for q in large.captured_queries]
    assert sum('FROM "residents_resident"' in q for q in sql) == 1
    assert not any(q.lstrip().upper().startswith("DECLARE") for q in sql)
    assert html.count('name="residents"') == 27
    # One audit row per resident shown, as before.
    assert (
        AuditEvent.objects.filter(
            object_type="activity_log.groupsession", object_id=str(session.pk), action="view"
        )
        .values("resident_id")
        .distinct()
        .count()
        == 27
    )


def test_a_mentor_circle_lists_mentors_and_warns_about_names(as_user, program_admin, mentor):
    session = f.GroupSessionFactory(house=None, kind=GroupSession.Kind.MENTOR_CIRCLE)
    html = as_user(program_admin).get(reverse("groups:attendance", args=[session.pk]))
    text = html.content.decode()
    assert "Sam" in text
    assert "Shared practice only: never resident names." in text


def test_attendance_posted_twice_saves_once(as_user, mentor, house):
    session = f.GroupSessionFactory(house=house, facilitator_mentors=[mentor])
    residents = f.ResidentFactory.create_batch(3, house=house)
    data = {
        "residents": [r.pk for r in residents[:2]],
        "guests": "1",
        "note": "Talked about chores",
        "idempotency_key": str(uuid.uuid4()),
    }
    client = as_user(mentor.user)
    first = client.post(reverse("groups:attendance", args=[session.pk]), data)
    second = client.post(reverse("groups:attendance", args=[session.pk]), data)
    assert first.status_code == second.status_code == 302
    assert Attendance.objects.filter(session=session).count() == 2
    saved = client.get(first.url).content.decode()
    assert f'data-clear-draft="attendance-draft:{session.pk}"' in saved
    assert 'data-saved-key=""' in saved  # every draft of this session is obsolete now


def test_a_bad_guest_count_is_explained_and_the_choices_kept(as_user, mentor, house):
    session = f.GroupSessionFactory(house=house, facilitator_mentors=[mentor])
    resident = f.ResidentFactory(house=house)
    response = as_user(mentor.user).post(
        reverse("groups:attendance", args=[session.pk]),
        {"residents": [resident.pk], "guests": "-1", "idempotency_key": str(uuid.uuid4())},
    )
    assert response.status_code == 200
    assert "Enter a number of guests from 0 to 200." in response.content.decode()
    assert response.context["form"]["residents"].value() == [str(resident.pk)]
    assert not Attendance.objects.exists()


def test_after_24_hours_the_taker_sees_the_lock_and_cannot_save(as_user, mentor, house):
    session = f.GroupSessionFactory(house=house, facilitator_mentors=[mentor])
    resident = f.ResidentFactory(house=house)
    services.attendance_record(session=session, taker=mentor.user)
    GroupSession.objects.filter(pk=session.pk).update(
        attendance_taken_at=timezone.now() - dt.timedelta(hours=25)
    )
    client = as_user(mentor.user)
    page = client.get(reverse("groups:attendance", args=[session.pk]))
    assert "ask a house manager" in page.content.decode()
    response = client.post(
        reverse("groups:attendance", args=[session.pk]),
        {"residents": [resident.pk], "guests": "0", "idempotency_key": str(uuid.uuid4())},
    )
    assert response.status_code == 200
    assert not Attendance.objects.exists()


def test_today_lists_the_mentors_sessions_of_today(as_user, mentor, house):
    now = timezone.localtime()
    start = now.replace(hour=12, minute=0, second=0, microsecond=0)
    mine = f.GroupSessionFactory(house=house, starts_at=start, facilitator_mentors=[mentor])
    f.GroupSessionFactory(house=house, starts_at=start)  # not theirs
    f.GroupSessionFactory(
        house=house, starts_at=start + dt.timedelta(days=1), facilitator_mentors=[mentor]
    )
    response = as_user(mentor.user).get(reverse("groups:today"))
    assert [s.pk for s in response.context["sessions"]] == [mine.pk]
    assert "Take attendance" in response.content.decode()


def test_the_mentor_home_loads_the_today_slot(as_user, mentor):
    html = as_user(mentor.user).get(reverse("activity_log:my_mentees")).content.decode()
    assert f'hx-get="{reverse("groups:today")}"' in html


def test_the_house_page_shows_four_weeks_and_the_rate(as_user, manager, house):
    now = timezone.now()
    soon = f.GroupSessionFactory(house=house, starts_at=now + dt.timedelta(days=3))
    f.GroupSessionFactory(house=house, starts_at=now + dt.timedelta(weeks=5))
    held = f.GroupSessionFactory(house=house, starts_at=now - dt.timedelta(days=7))
    residents = f.ResidentFactory.create_batch(4, house=house)
    services.attendance_record(session=held, taker=manager, residents=residents[:3])
    response = as_user(manager).get(reverse("groups:house", args=[house.pk]))
    assert [s.pk for s in response.context["sessions"]] == [soon.pk]
    assert response.context["rate"] == 0.75
    assert "75%" in response.content.decode()


def test_the_resident_page_section_counts_attended_over_held(as_user, manager, house):
    resident = f.ResidentFactory(house=house)
    meetings = f.GroupSessionFactory.create_batch(3, house=house)
    for meeting in meetings:
        services.attendance_record(
            session=meeting, taker=manager, residents=[resident] if meeting is meetings[0] else []
        )
    html = as_user(manager).get(reverse("residents:detail", args=[resident.pk])).content.decode()
    assert reverse("groups:resident_attendance", args=[resident.pk]) in html
    response = as_user(manager).get(reverse("groups:resident_attendance", args=[resident.pk]))
    rows = {r.kind: (r.attended, r.held) for r in response.context["rows"]}
    assert rows["house_meeting"] == (1, 3)


def _sessions(house, mentor, n):
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    for i in range(n):
        session = f.GroupSessionFactory(
            house=house,
            starts_at=start + dt.timedelta(days=i % 3, minutes=i),
            facilitator_mentors=[mentor],
        )
        f.AttendanceFactory(session=session)


@pytest.mark.parametrize("name", ["groups:list", "groups:house", "groups:today"])
def test_pages_run_a_fixed_number_of_queries(
    as_user, manager, mentor, house, name, django_assert_max_num_queries
):
    user = mentor.user if name == "groups:today" else manager
    args = [house.pk] if name == "groups:house" else []
    client = as_user(user)
    _sessions(house, mentor, 2)
    client.get(reverse(name, args=args))  # warm the session and role caches
    with django_assert_max_num_queries(20) as small:
        assert client.get(reverse(name, args=args)).status_code == 200
    _sessions(house, mentor, 18)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        client.get(reverse(name, args=args))
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_series_starting_beyond_the_window_is_saved_for_later(as_user, manager, house):
    first = timezone.localdate() + dt.timedelta(weeks=10)
    response = as_user(manager).post(
        reverse("groups:new"),
        _form(
            house,
            starts_at=f"{first:%Y-%m-%d}T18:00",
            repeat_until=f"{first + dt.timedelta(weeks=4):%Y-%m-%d}",
        ),
    )
    assert response.status_code == 302 and response.url == reverse("groups:list")
    assert GroupSeries.objects.get().sessions.count() == 0


def test_the_resident_page_links_the_house_page_by_url_name(as_user, manager, house):
    resident = f.ResidentFactory(house=house)
    html = as_user(manager).get(reverse("residents:detail", args=[resident.pk])).content.decode()
    assert reverse("groups:house", args=[house.pk]) in html
