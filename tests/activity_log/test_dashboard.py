"""The dashboard's "Needs attention" lists: content, links, scope, house filter, caps, queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activity_log.models import Reminder
from matching.models import Pairing
from mentoring_site.models import AuditEvent
from mentors.models import TrainingCourse, TrainingRecord
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = reverse("activity_log:dashboard")


def _due_days_ago(pairing: Pairing, days: int, at: dt.time = dt.time(12)) -> Pairing:
    """Due `days` house-calendar days ago (0: today), at `at` house time."""
    tz = pairing.zone
    day = timezone.localdate(timezone.now(), tz) - dt.timedelta(days=days)
    return f.set_due(pairing, dt.datetime.combine(day, at, tzinfo=tz))


def _overdue_pairing(house, days: int, name: str, mentor=None) -> Pairing:
    pairing = f.PairingFactory(
        resident__house=house,
        resident__preferred_name=name,
        **({"mentor": mentor} if mentor else {}),
    )
    return _due_days_ago(pairing, days)


def _urgent(house, name: str):
    pairing = f.PairingFactory(
        resident__house=house, resident__preferred_name=name, started_on=timezone.localdate()
    )
    return f.ContactLogFactory(pairing=pairing, concern_level="urgent", concern_note="Not safe")


def section(html: str, list_id: str) -> str:
    """The HTML of one dashboard list (empty when the list is not shown)."""
    marker = f'id="{list_id}"'
    if marker not in html:
        return ""
    return html.split(marker, 1)[1].split("</ul>", 1)[0]


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_mentors_get_404(as_user, mentor):
    assert as_user(mentor.user).get(URL).status_code == 404


def test_manager_sees_urgent_concerns_of_own_houses_only(as_user, manager, house, house2):
    mine = _urgent(house, "Quinn")
    _urgent(house2, "Zebedee")
    html = as_user(manager).get(URL).content.decode()
    assert "Quinn" in html
    assert "Zebedee" not in html
    assert reverse("activity_log:concern_acknowledge", args=[mine.pk]) in html
    assert reverse("residents:detail", args=[mine.pairing.resident_id]) in html


def test_acknowledged_concerns_are_not_listed(as_user, manager, house):
    contact = _urgent(house, "Quinn")
    contact.acknowledged_at = timezone.now()
    contact.save()
    assert "Quinn" not in as_user(manager).get(URL).content.decode()


def test_overdue_checkins_come_most_overdue_first_with_mentor_and_days(
    as_user, manager, house, house2
):
    mentor = f.ClearedMentorFactory(user__first_name="Robin")
    two = _overdue_pairing(house, 2, "Twoday", mentor=mentor)
    _overdue_pairing(house, 9, "Nineday")
    _overdue_pairing(house2, 30, "Elsewhere")
    response = as_user(manager).get(URL)
    html = response.content.decode()
    assert html.index("Nineday") < html.index("Twoday")
    assert "Overdue by 9 days" in html and "Overdue by 2 days" in html
    assert "Robin" in html
    assert "Elsewhere" not in html
    assert reverse("matching:detail", args=[two.pk]) in html
    assert response.context["overdue"].total == 2


def test_the_dashboard_and_the_phone_say_the_same_words_for_one_pairing(
    as_user, manager, house, mentor
):
    """Issue 16 and 21: due earlier today is "Due today" on both (not on the overdue list);
    due yesterday at 23:59 is "Overdue by 1 day" on both."""
    today = f.PairingFactory(mentor=mentor, resident__house=house, resident__preferred_name="Tia")
    _due_days_ago(today, 0, dt.time(0, 1))
    late = f.PairingFactory(mentor=mentor, resident__house=house, resident__preferred_name="Lou")
    _due_days_ago(late, 1, dt.time(23, 59))
    dashboard = as_user(manager).get(URL)
    listed = section(dashboard.content.decode(), "overdue-list")
    assert "Lou" in listed and "Overdue by 1 day" in listed
    assert "Tia" not in listed
    assert dashboard.context["overdue"].total == 1
    phone = as_user(mentor.user).get(reverse("activity_log:my_mentees")).content.decode()
    assert phone.count("Overdue by 1 day") == 1 and phone.count("Due today") == 1
    for pairing, words in ((today, "Due today"), (late, "Overdue by 1 day")):
        pairing.refresh_from_db()
        assert pairing.checkin_state().words == words


def test_paused_and_not_yet_due_pairings_are_not_overdue(as_user, manager, house):
    paused = _overdue_pairing(house, 5, "Paused")
    Pairing.objects.filter(pk=paused.pk).update(status=Pairing.Status.PAUSED)
    f.PairingFactory(
        resident__house=house, resident__preferred_name="Fresh", started_on=timezone.localdate()
    )
    response = as_user(manager).get(URL)
    assert response.context["overdue"].total == 0


def test_residents_waiting_show_days_waiting_and_link_to_suggestions(
    as_user, manager, house, house2
):
    today = timezone.localdate()
    waiting = f.ResidentFactory(
        house=house, preferred_name="Waitlong", move_in_date=today - dt.timedelta(days=12)
    )
    again = f.ResidentFactory(
        house=house, preferred_name="Againwait", move_in_date=today - dt.timedelta(days=90)
    )
    f.PairingFactory(
        resident=again,
        started_on=today - dt.timedelta(days=40),
        status=Pairing.Status.ENDED,
        ended_on=today - dt.timedelta(days=3),
    )
    f.PairingFactory(resident__house=house, resident__preferred_name="Paired")
    f.ResidentFactory(house=house2, preferred_name="Otherhouse")
    response = as_user(manager).get(URL)
    html = section(response.content.decode(), "waiting-list")
    assert "waiting 12 days" in html
    assert "waiting 3 days" in html
    assert html.index("Waitlong") < html.index("Againwait")
    assert reverse("matching:suggest", args=[waiting.pk]) in html
    assert "Paired" not in html and "Otherhouse" not in html
    assert response.context["waiting"].total == 2


def test_mentors_not_cleared_or_expiring_soon_are_listed(as_user, manager, house, house2):
    today = timezone.localdate()
    uncleared = f.ClearedMentorFactory(user__first_name="Uncleared", trained=False)
    expiring = f.ClearedMentorFactory(user__first_name="Expiring")
    TrainingRecord.objects.filter(mentor=expiring, course__required=True).update(
        expires_on=today + dt.timedelta(days=10)
    )
    f.ClearedMentorFactory(user__first_name="Fine")
    elsewhere = f.ClearedMentorFactory(
        user__first_name="Elsewhere", trained=False, serves_all_houses=False
    )
    elsewhere.houses.add(house2)
    f.MentorFactory(user__first_name="Retired", status="retired")
    assert TrainingCourse.objects.filter(required=True).exists()
    response = as_user(manager).get(URL)
    html = response.content.decode()
    assert "Uncleared" in html and "Not cleared" in html
    assert "Expiring" in html and f"expires {(today + dt.timedelta(days=10)):%-d %b}" in html
    assert "Fine" not in html and "Elsewhere" not in html and "Retired" not in html
    assert reverse("mentors:detail", args=[uncleared.pk]) in html


def test_failed_reminders_are_listed_in_scope_and_link_to_admin_for_admins(
    as_user, manager, program_admin, house, house2
):
    now = timezone.now()
    mine = f.ReminderFactory(
        pairing=f.PairingFactory(resident__house=house, resident__preferred_name="Remi"),
        failed_at=now - dt.timedelta(hours=2),
        last_error="SMTP down",
    )
    f.ReminderFactory(
        pairing=f.PairingFactory(resident__house=house2, resident__preferred_name="Faraway"),
        failed_at=now,
    )
    f.ReminderFactory(
        pairing=f.PairingFactory(resident__house=house, resident__preferred_name="Oldfail"),
        failed_at=now - dt.timedelta(days=40),
    )
    f.ReminderFactory(
        pairing=f.PairingFactory(resident__house=house, resident__preferred_name="Sentok"),
        sent_at=now,
    )
    manager_html = section(as_user(manager).get(URL).content.decode(), "failed-list")
    assert "Remi" in manager_html
    assert "Faraway" not in manager_html and "Oldfail" not in manager_html
    assert "Sentok" not in manager_html
    assert reverse("matching:detail", args=[mine.pairing_id]) in manager_html
    admin_html = section(as_user(program_admin).get(URL).content.decode(), "failed-list")
    assert reverse("admin:activity_log_reminder_change", args=[mine.pk]) in admin_html
    assert "Faraway" in admin_html
    assert Reminder.objects.count() == 4


def test_failed_reminders_about_contacts_and_to_the_manager_follow_the_scope(
    as_user, manager, manager2, house, house2
):
    """Reminders about a contact count for the contact's house; one about nothing (training)
    shows only to its own recipient."""
    now = timezone.now()

    def failed(recipient_name, **about):
        recipient = f.UserFactory(first_name=recipient_name)
        return f.ReminderFactory(
            kind=Reminder.Kind.URGENT_CONCERN,
            pairing=None,
            subject_key=f"x:{recipient_name}",
            recipient=recipient,
            failed_at=now - dt.timedelta(hours=1),
            **about,
        )

    failed("Conhere", contact=f.ContactLogFactory(pairing=f.PairingFactory(resident__house=house)))
    failed("Conaway", contact=f.ContactLogFactory(pairing=f.PairingFactory(resident__house=house2)))
    for user in (manager, manager2):
        f.ReminderFactory(
            kind=Reminder.Kind.TRAINING_EXPIRING,
            pairing=None,
            subject_key=f"training:{user.pk}",
            recipient=user,
            failed_at=now - dt.timedelta(hours=1),
        )
    html = section(as_user(manager).get(URL).content.decode(), "failed-list")
    assert "Conhere" in html and "Conaway" not in html
    assert f"to {manager.display_first_name}" in html
    assert f"to {manager2.display_first_name}" not in html
    html2 = section(as_user(manager2).get(URL).content.decode(), "failed-list")
    assert "Conaway" in html2 and "Conhere" not in html2
    assert f"to {manager2.display_first_name}" in html2


def test_admin_house_filter_narrows_every_list(as_user, program_admin, house, house2):
    _urgent(house, "Quinn")
    _urgent(house2, "Zebedee")
    _overdue_pairing(house, 3, "Latehere")
    response = as_user(program_admin).get(URL, {"house": house2.pk})
    html = response.content.decode()
    assert "Zebedee" in html
    assert "Quinn" not in html and "Latehere" not in html


def test_manager_cannot_filter_to_another_managers_house(as_user, manager, house, house2):
    _urgent(house, "Quinn")
    _urgent(house2, "Zebedee")
    response = as_user(manager).get(URL, {"house": house2.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "isn't one of yours" in html
    assert "Zebedee" not in html
    assert "Quinn" in html


def test_garbage_house_filter_is_a_message_not_an_error(as_user, manager, house):
    response = as_user(manager).get(URL, {"house": "<script>x</script>"})
    assert response.status_code == 200
    assert "<script>x</script>" not in response.content.decode()


def test_lists_are_capped_at_20_with_and_n_more(as_user, manager, house):
    for i in range(23):
        _overdue_pairing(house, i + 1, f"Late{i:02d}")
    response = as_user(manager).get(URL)
    overdue = response.context["overdue"]
    assert len(overdue.rows) == 20 and overdue.total == 23
    assert "and 3 more" in response.content.decode()


def test_viewing_the_dashboard_is_audited(as_user, manager, house):
    as_user(manager).get(URL)
    event = AuditEvent.objects.get()
    assert event.action == "view" and event.object_type == "dashboard"


def _world(house, size: int) -> None:
    """`size` of everything the dashboard lists or counts."""
    now = timezone.now()
    for i in range(size):
        pairing = _overdue_pairing(house, i + 1, f"Res{i}")
        f.ContactLogFactory(pairing=pairing, concern_level="urgent")
        f.ContactLogFactory(pairing=pairing, happened_at=now - dt.timedelta(days=40 + i))
        f.ResidentFactory(house=house)
        f.ClearedMentorFactory(trained=False)
        f.ReminderFactory(pairing=pairing, failed_at=now)
        f.TrainingRecordFactory(mentor=pairing.mentor)


@pytest.mark.parametrize("size", [1, 8])
def test_the_dashboard_runs_a_fixed_number_of_queries(
    as_user, manager, program_admin, house, size, django_assert_max_num_queries
):
    _world(house, size)
    for user in (manager, program_admin):
        client = as_user(user)
        # 12 for the original cards, +1 failing houses, +1 group sessions, +1 feedback and
        # recovery checks, +1 with Redis (the training list's cache key reads the newest ids),
        # +1 on PostgreSQL (the page cache's data version): the same at every size.
        with django_assert_max_num_queries(17):
            response = client.get(URL)
        assert response.context["overdue"].total == size


def _every_list(house, size: int, manager) -> None:
    """`size` rows in every list the dashboard draws, the feedback and group cards included."""
    from activity_log.groups import services as group_services
    from tests.activity_log.feedback.support import response_for

    _world(house, size)
    now = timezone.now()
    for i in range(size):
        pairing = Pairing.objects.filter(resident__house=house).order_by("id")[i]
        response_for(pairing, shows_up=1)
        f.GroupSessionFactory(house=house, starts_at=now - dt.timedelta(days=2, hours=i))
        f.ReminderFactory(
            pairing=None,
            subject_key=f"training:{i}",
            recipient=manager,
            failed_at=now,
            kind=Reminder.Kind.MENTOR_OVERDUE,
        )
    meeting = f.GroupSessionFactory(house=house, starts_at=now - dt.timedelta(days=3))
    group_services.attendance_record(session=meeting, taker=manager)


@pytest.mark.parametrize("user_fixture", ["manager", "program_admin"])
def test_rows_read_no_field_left_out_of_the_narrow_lists(
    request, user_fixture, manager, house, django_assert_num_queries, no_page_cache
):
    """The lists fetch only the columns their rows show (`.only()`): a left-out field read by
    a template would cost one query per row. The same queries for 1 row or 6 in every list."""
    client = request.getfixturevalue("as_user")(request.getfixturevalue(user_fixture))
    _every_list(house, 1, manager)
    client.get(URL)
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    expected = len(one.captured_queries)  # read now: the next request clears the query log
    _every_list(house, 5, manager)
    client.get(URL)  # warm again: with Redis, new mentors change the training card's cache key
    with django_assert_num_queries(expected):
        response = client.get(URL)
    context = response.context
    for name in ("urgent", "overdue", "waiting", "failed", "feedback"):
        assert len(context[name].rows) >= 6, name
    assert len(context["groups"].missing_meetings.rows) >= 6
    assert len(context["groups"].no_attendance.rows) >= 6
    html = response.content.decode()
    for pairing in context["overdue"].rows:
        assert pairing.resident.preferred_name in section(html, "overdue-list")
        assert pairing.mentor.first_name in section(html, "overdue-list")
    for contact in context["urgent"].rows:
        assert contact.pairing.resident.house.name in section(html, "urgent-list")
