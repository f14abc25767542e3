import datetime as dt
import re
from decimal import Decimal

import pytest
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from activity_log.contacts import hours, services
from activity_log.models import Milestone
from tests import factories as f
from tests.activity_log.contact_support import pairing_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def pairing(mentor, house):
    return pairing_for(mentor, house=house, days_ago=90)


def _log(pairing, minutes, days_ago=1, method="in_person"):
    return services.contact_log(
        pairing=pairing,
        author=pairing.mentor.user,
        happened_at=timezone.now() - dt.timedelta(days=days_ago),
        duration_minutes=minutes,
        method=method,
    )


def test_hours_are_contact_minutes_plus_training_hours(mentor, pairing):
    training = sum(r.hours for r in mentor.training_records.all())
    _log(pairing, 90)
    _log(pairing, 30, days_ago=2)
    result = hours.mentor_hours(mentor)
    assert result.contact_minutes == 120
    assert result.total == (Decimal(2) + training).quantize(Decimal("0.1"))


def test_crossing_a_milestone_records_it_once(mentor, pairing):
    mentor.training_records.all().delete()
    for day in range(1, 11):
        _log(pairing, 60, days_ago=day)
    assert list(Milestone.objects.values_list("hours", flat=True)) == [10]
    _log(pairing, 60, days_ago=11)
    assert Milestone.objects.count() == 1
    for day in range(12, 27):
        _log(pairing, 60, days_ago=day)
    assert list(Milestone.objects.values_list("hours", flat=True)) == [10, 25]


def test_training_hours_count_towards_milestones(mentor, pairing):
    f.TrainingRecordFactory(mentor=mentor, hours=Decimal("12"))
    _log(pairing, 10)
    assert Milestone.objects.filter(mentor=mentor, hours=10).exists()


def test_recording_training_alone_records_the_milestone_it_crosses(
    mentor, manager, django_capture_on_commit_callbacks
):
    from mentors import services as mentor_services

    mentor.training_records.all().delete()
    course = f.TrainingCourseFactory(hours=Decimal("12"))
    with django_capture_on_commit_callbacks(execute=True):
        mentor_services.training_record_create(
            mentor=mentor, course=course, completed_on=timezone.localdate(), recorded_by=manager
        )
    assert list(Milestone.objects.filter(mentor=mentor).values_list("hours", flat=True)) == [10]


def test_a_training_session_records_milestones_for_every_attendee(
    manager, django_capture_on_commit_callbacks
):
    from mentors import services as mentor_services

    attendees = [f.MentorFactory(), f.MentorFactory()]
    course = f.TrainingCourseFactory(hours=Decimal("26"))
    with django_capture_on_commit_callbacks(execute=True):
        mentor_services.training_session_record(
            course=course,
            completed_on=timezone.localdate(),
            attendees=attendees,
            recorded_by=manager,
        )
    for attendee in attendees:
        assert sorted(
            Milestone.objects.filter(mentor=attendee).values_list("hours", flat=True)
        ) == [
            10,
            25,
        ]


def test_a_milestone_is_celebrated_once(mentor):
    Milestone.objects.create(mentor=mentor, hours=10)
    Milestone.objects.create(mentor=mentor, hours=25)
    assert hours.milestone_celebrate(mentor.user).hours == 25
    assert hours.milestone_celebrate(mentor.user) is None


def test_hours_by_month_include_empty_months(mentor, pairing):
    mentor.training_records.all().delete()
    _log(pairing, 60, days_ago=0)
    rows = hours.hours_by_month(mentor, months=3)
    assert len(rows) == 3
    assert rows[0].month == timezone.localdate().replace(day=1)
    assert rows[0].contact_hours == Decimal("1.0")


def test_the_streak_counts_weeks_with_every_mentee_on_time(mentor, house):
    now = timezone.now()
    pairing = pairing_for(mentor, house=house, days_ago=35, checkin_interval_days=7)
    # Contacts every five days from the start: never overdue.
    for days_ago in range(33, -1, -5):
        _log(pairing, 30, days_ago=days_ago)
    assert hours.on_time_streak(mentor, now=now) >= 5


def test_an_overdue_mentee_breaks_the_streak(mentor, house):
    pairing = pairing_for(mentor, house=house, days_ago=30, checkin_interval_days=7)
    _log(pairing, 30, days_ago=29)
    assert hours.on_time_streak(mentor) == 0
    _log(pairing, 30, days_ago=0)
    # Overdue until today: this week still had an overdue day, so no streak yet.
    assert hours.on_time_streak(mentor) == 0


def test_a_contact_late_in_its_due_day_keeps_the_streak(mentor, house):
    """The check-in rule: the whole due day is "Due today", never overdue (docs/checkins.md)."""
    pairing = pairing_for(mentor, house=house, days_ago=14, checkin_interval_days=7)
    tz = pairing.zone
    due_day = pairing.started_on + dt.timedelta(days=7)  # due at 00:00 that day
    services.contact_log(
        pairing=pairing,
        author=mentor.user,
        happened_at=dt.datetime.combine(due_day, dt.time(20, 0), tzinfo=tz),
    )
    # This week, the week of the contact and the week of the start: all without an overdue day.
    assert hours.on_time_streak(mentor) == 3


def test_one_overdue_mentee_breaks_the_streak_kept_with_another(mentor, house):
    now = timezone.now()
    kept = pairing_for(mentor, house=house, days_ago=35, checkin_interval_days=7)
    for days_ago in range(33, -1, -5):
        _log(kept, 30, days_ago=days_ago)
    alone = hours.on_time_streak(mentor, now=now)
    assert alone >= 4
    slipped = pairing_for(mentor, house=house, days_ago=35, checkin_interval_days=7)
    for days_ago in range(33, -1, -5):
        _log(slipped, 30, days_ago=days_ago)
    assert hours.on_time_streak(mentor, now=now) == alone, "two mentees both on time"
    # The second mentee's last three contacts are removed: overdue for the last two weeks.
    for contact in slipped.contacts.order_by("-happened_at")[:3]:
        contact.delete()
    services.pairing_recompute_due(pairing=slipped)
    assert hours.on_time_streak(mentor, now=now) == 0


def test_a_missed_attempt_does_not_keep_the_streak(mentor, house):
    pairing = pairing_for(mentor, house=house, days_ago=10, checkin_interval_days=7)
    _log(pairing, 5, days_ago=1, method="no_answer")
    assert hours.on_time_streak(mentor) == 0
    assert pairing.contacts.count() == 1  # the attempt is still on record


def test_the_progress_page_shows_hours_contacts_and_streak(as_user, mentor, pairing):
    _log(pairing, 60, days_ago=0)
    response = as_user(mentor.user).get(reverse("activity_log:my_progress"))
    assert response.status_code == 200
    assert response.context["this_month"] == 1
    html = response.content.decode()
    assert "Hours by month" in html and "Certificate of volunteer hours" in html


def test_the_certificate_sums_hours_in_the_date_range(as_user, mentor, pairing):
    mentor.training_records.all().delete()
    _log(pairing, 60, days_ago=40)
    _log(pairing, 120, days_ago=3)
    today = timezone.localdate()
    response = as_user(mentor.user).get(
        reverse("activity_log:my_certificate"),
        {"start": (today - dt.timedelta(days=10)).isoformat(), "end": today.isoformat()},
    )
    assert response.status_code == 200
    certificate = response.context["certificate"]
    assert certificate.hours.total == Decimal("2.0")
    assert certificate.hours.contact_count == 1
    assert str(mentor) in response.content.decode()


def test_the_certificate_prints_from_its_button_and_its_print_styles(client, as_user, mentor):
    today = timezone.localdate().isoformat()
    response = as_user(mentor.user).get(
        reverse("activity_log:my_certificate"), {"start": today, "end": today}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"<button[^>]*\bdata-print\b[^>]*>\s*Print\s*</button>", html)
    for asset in ("js/my_progress.js", "css/activity_log.css"):
        assert f'"{static(asset)}"' in html
    script = b"".join(client.get(static("js/my_progress.js")).streaming_content).decode()
    assert "[data-print]" in script and "window.print()" in script
    css = b"".join(client.get(static("css/activity_log.css")).streaming_content).decode()
    assert "@media print" in css
    print_block = css[css.index("@media print") :].split("\n}", 1)[0]
    assert ".certificate" in print_block


@pytest.mark.parametrize(
    "params",
    [{"start": "2026-05-10", "end": "2026-05-01"}, {"start": "nonsense", "end": ""}, {}],
)
def test_a_bad_certificate_range_shows_a_message(as_user, mentor, params):
    response = as_user(mentor.user).get(reverse("activity_log:my_certificate"), params)
    assert response.status_code == 400
    assert (
        "invalid-feedback" in response.content.decode() or "required" in response.content.decode()
    )


def test_progress_pages_are_for_mentors_only(client, as_user, manager):
    urls = [reverse(f"activity_log:{name}") for name in ("my_progress", "my_certificate")]
    assert [client.get(url).status_code for url in urls] == [302, 302]
    staff = as_user(manager)
    assert [staff.get(url).status_code for url in urls] == [404, 404]
