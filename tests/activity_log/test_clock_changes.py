"""The two nights a year the clocks change: a time typed in the repeated hour is read (not
refused), one in the skipped hour is refused with a clear message on the same form, for the
log form and the group session form; and a house whose zone name is unknown still has working
group pages (its sessions use the program zone, like its reminders)."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import formats, timezone

from activity_log.contacts import services as contact_services
from activity_log.models import ContactLog, GroupSeries, GroupSession
from mentoring_site.forms import WallClockField, wall_time
from residents.models import House
from tests import factories as f
from tests.activity_log.contact_support import form_data, pairing_for

NY = zoneinfo.ZoneInfo("America/New_York")
LA = zoneinfo.ZoneInfo("America/Los_Angeles")
UTC = dt.UTC

# 2 Nov 2025: clocks went back at 02:00 (01:00-02:00 happened twice).
# 8 Mar 2026: clocks went forward at 02:00 (02:00-03:00 never happened).
REPEATED = dt.datetime(2025, 11, 2, 1, 10)
SKIPPED = dt.datetime(2026, 3, 8, 2, 30)
SKIPPED_WORDS = "the clocks went forward an hour that night"


# --- The rule ----------------------------------------------------------------------------------


def test_an_ordinary_time_is_read_on_the_zone_clock():
    assert wall_time(dt.datetime(2026, 6, 1, 9, 30), NY) == dt.datetime(
        2026, 6, 1, 13, 30, tzinfo=UTC
    )


def test_the_repeated_hour_is_the_later_time_once_both_have_passed():
    # 01:10 EDT is 05:10 UTC, 01:10 EST is 06:10 UTC.
    after_both = dt.datetime(2025, 11, 2, 12, 0, tzinfo=UTC)
    assert wall_time(REPEATED, NY, now=after_both) == dt.datetime(2025, 11, 2, 6, 10, tzinfo=UTC)


def test_the_repeated_hour_is_the_earlier_time_while_the_later_is_to_come():
    first_time_round = dt.datetime(2025, 11, 2, 5, 30, tzinfo=UTC)  # 01:30 EDT
    assert wall_time(REPEATED, NY, now=first_time_round) == dt.datetime(
        2025, 11, 2, 5, 10, tzinfo=UTC
    )


def test_the_skipped_hour_is_refused():
    with pytest.raises(ValidationError) as caught:
        wall_time(SKIPPED, NY)
    assert caught.value.code == "skipped_hour"
    assert SKIPPED_WORDS in caught.value.messages[0]


def test_the_field_reads_the_current_zone_and_refuses_what_is_not_a_time():
    field = WallClockField(input_formats=["%Y-%m-%dT%H:%M"])
    with timezone.override(LA):
        assert field.clean("2026-06-01T09:30") == dt.datetime(2026, 6, 1, 16, 30, tzinfo=UTC)
        # A datetime handed in (not typed) is read on the same clock: naive as typed, aware as is.
        assert field.clean(dt.datetime(2026, 6, 1, 9, 30)) == dt.datetime(
            2026, 6, 1, 16, 30, tzinfo=UTC
        )
        assert field.clean(dt.datetime(2026, 6, 1, 16, 30, tzinfo=UTC)) == dt.datetime(
            2026, 6, 1, 16, 30, tzinfo=UTC
        )
        # A plain date handed in: its midnight on that clock, as Django's own field reads it.
        assert field.clean(dt.date(2026, 6, 1)) == dt.datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
        for bad in ("2026-03-08T02:30", "2026-02-30T09:00", "soon", "9" * 5000):
            with pytest.raises(ValidationError):
                field.clean(bad)
    assert WallClockField(naive=True, input_formats=["%Y-%m-%dT%H:%M"]).clean(
        "2026-03-08T02:30"
    ) == dt.datetime(2026, 3, 8, 2, 30)


# --- The log form (a Los Angeles house) ----------------------------------------------------------


@pytest.fixture
def la_pairing(db, mentor):
    house = f.HouseFactory(time_zone="America/Los_Angeles")
    # Started before both nights, so neither date is "before this pairing started".
    days = (timezone.localdate() - dt.date(2025, 10, 1)).days
    return pairing_for(mentor, house=house, days_ago=days)


def _log(client, pairing, **fields):
    return client.post(reverse("activity_log:contact_new", args=[pairing.pk]), form_data(**fields))


@pytest.mark.django_db
def test_a_contact_in_the_repeated_hour_is_logged(as_user, mentor, la_pairing):
    response = _log(as_user(mentor.user), la_pairing, happened_at="2025-11-02T01:10")
    assert response.status_code == 302
    # Both 01:10s have passed: the later one, 01:10 PST.
    assert ContactLog.objects.get().happened_at == dt.datetime(2025, 11, 2, 9, 10, tzinfo=UTC)


@pytest.mark.django_db
def test_a_contact_in_the_skipped_hour_is_explained_and_what_was_typed_kept(
    as_user, mentor, la_pairing
):
    response = _log(
        as_user(mentor.user),
        la_pairing,
        happened_at="2026-03-08T02:30",
        notes="Talked about the new job — «bien»",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert SKIPPED_WORDS in html
    assert 'value="2026-03-08T02:30"' in html
    assert "Talked about the new job — «bien»" in html
    assert not ContactLog.objects.exists()


@pytest.mark.django_db
def test_editing_a_contact_from_the_first_repeated_hour_keeps_its_moment(
    as_user, mentor, la_pairing
):
    first_time_round = dt.datetime(2025, 11, 2, 8, 10, tzinfo=UTC)  # 01:10 PDT
    contact = contact_services.contact_log(
        pairing=la_pairing, author=mentor.user, happened_at=first_time_round
    )
    client = as_user(mentor.user)
    url = reverse("activity_log:contact_edit", args=[contact.pk])
    # The form shows "01:10" and sends it back unchanged with the new notes.
    assert 'value="2025-11-02T01:10"' in client.get(url).content.decode()
    response = client.post(url, form_data(happened_at="2025-11-02T01:10", notes="Added later"))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.happened_at, contact.notes) == (first_time_round, "Added later")
    # A time changed on the form is read as typed.
    client.post(url, form_data(happened_at="2025-11-02T00:50", notes="Added later"))
    contact.refresh_from_db()
    assert contact.happened_at == dt.datetime(2025, 11, 2, 7, 50, tzinfo=UTC)  # 00:50 PDT


# --- The group session form (a New York house) ---------------------------------------------------


def _session(house, starts_at):
    return {
        "house": house.pk,
        "kind": "house_meeting",
        "title": "Night check-in",
        "starts_at": starts_at,
        "duration_minutes": "60",
        "place": "Kitchen",
    }


@pytest.mark.django_db
def test_a_session_in_the_skipped_hour_is_explained(as_user, manager, house):
    # The second Sunday of March, 02:30: never on a New York clock.
    sunday = _second_sunday_of_march(timezone.localdate().year + 1)
    typed = f"{sunday:%Y-%m-%d}T02:30"
    response = as_user(manager).post(reverse("groups:new"), _session(house, typed))
    assert response.status_code == 200
    html = response.content.decode()
    assert SKIPPED_WORDS in html and f'value="{typed}"' in html
    assert 'value="Night check-in"' in html
    assert not GroupSession.objects.exists()


@pytest.mark.django_db
def test_a_session_planned_in_the_repeated_hour_is_the_first_one(as_user, manager, house):
    year = timezone.localdate().year + 1
    # The first Sunday of November, 01:30: twice on a New York clock; still to come, so the first.
    november = dt.date(year, 11, 1)
    sunday = november + dt.timedelta(days=(6 - november.weekday()) % 7)
    response = as_user(manager).post(
        reverse("groups:new"), _session(house, f"{sunday:%Y-%m-%d}T01:30")
    )
    assert response.status_code == 302
    starts_at = GroupSession.objects.get().starts_at
    assert starts_at == dt.datetime.combine(sunday, dt.time(5, 30), tzinfo=UTC)  # 01:30 EDT


def _second_sunday_of_march(year: int) -> dt.date:
    march = dt.date(year, 3, 1)
    return march + dt.timedelta(days=(6 - march.weekday()) % 7 + 7)


def _weekly_through_spring(house, at: str) -> tuple[dt.date, dict]:
    """Next year's spring-forward Sunday, and the form for a weekly series at `at` from the
    week before it to the week after."""
    spring = _second_sunday_of_march(timezone.localdate().year + 1)
    first = spring - dt.timedelta(weeks=1)
    return spring, _session(house, f"{first:%Y-%m-%d}T{at}") | {
        "repeat_until": f"{spring + dt.timedelta(weeks=1):%Y-%m-%d}"
    }


def test_a_series_lists_the_weeks_whose_start_time_the_clocks_skip():
    year = timezone.localdate().year + 1
    spring = _second_sunday_of_march(year)
    house = House(name="H", time_zone="America/New_York")
    series = GroupSeries(
        house=house,
        starts_on=spring - dt.timedelta(weeks=2),
        start_time=dt.time(2, 30),
        until=spring + dt.timedelta(weeks=2),
    )
    assert series.skipped_days() == [(spring, dt.time(3, 30))]
    series.start_time = dt.time(3, 0)  # the first minute after the gap exists
    assert series.skipped_days() == []
    series.start_time = dt.time(2, 30)
    series.house = House(name="H", time_zone="America/Phoenix")  # no clock change
    assert series.skipped_days() == []


@pytest.mark.django_db
def test_a_weekly_series_through_the_spring_night_says_which_week_starts_later(
    as_user, manager, house
):
    spring, data = _weekly_through_spring(house, "02:30")
    response = as_user(manager).post(reverse("groups:new"), data, follow=True)
    html = response.content.decode()
    assert "The clocks go forward on " in html
    assert formats.date_format(spring, "M j, Y") in html
    assert "so that day&#x27;s session starts at 3:30" in html
    series = GroupSeries.objects.get()
    assert series.skipped_days() == [(spring, dt.time(3, 30))]


@pytest.mark.django_db
def test_a_weekly_series_clear_of_the_spring_night_says_nothing_of_clocks(as_user, manager, house):
    _spring, data = _weekly_through_spring(house, "18:30")
    response = as_user(manager).post(reverse("groups:new"), data, follow=True)
    assert response.status_code == 200 and GroupSeries.objects.exists()
    assert "clocks go forward" not in response.content.decode()


@pytest.mark.django_db
def test_moving_this_and_following_weeks_into_the_skipped_hour_says_so(as_user, manager, house):
    from activity_log.groups import services as group_services

    year = timezone.localdate().year + 1
    spring = _second_sunday_of_march(year)
    first = spring - dt.timedelta(weeks=2)
    series = group_services.group_series_create(
        creator=manager,
        house=house,
        kind="house_meeting",
        title="Night check-in",
        starts_on=first,
        start_time=dt.time(18, 30),
        until=spring + dt.timedelta(weeks=2),
        today=first - dt.timedelta(weeks=1),
    )
    session = series.sessions.get(series_date=first)
    data = _session(house, f"{first:%Y-%m-%d}T02:30") | {"scope": "following"}
    response = as_user(manager).post(reverse("groups:edit", args=[session.pk]), data, follow=True)
    html = response.content.decode()
    assert "Session updated." in html
    assert f"The clocks go forward on {formats.date_format(spring, 'M j, Y')}" in html


# --- A house with an unknown zone name -----------------------------------------------------------


@pytest.mark.django_db
def test_group_pages_of_a_house_with_an_unknown_zone_use_the_program_zone(
    as_user, manager, mentor, house
):
    client = as_user(manager)
    client.post(reverse("groups:new"), _session(house, "2026-06-01T18:00"))
    session = GroupSession.objects.get()
    # Written around validation (an import, a database shell): the pages must not fail.
    House.objects.filter(pk=house.pk).update(time_zone="Mars/Olympus_Mons")
    for name, args in (
        ("groups:detail", [session.pk]),
        ("groups:edit", [session.pk]),
        ("groups:house", [house.pk]),
        ("groups:list", []),
    ):
        assert client.get(reverse(name, args=args)).status_code == 200, name
    response = client.post(
        reverse("groups:edit", args=[session.pk]),
        _session(house, "2026-06-01T19:00") | {"scope": "this"},
    )
    assert response.status_code == 302
    session.refresh_from_db()
    # Read in the program zone (New York, EDT in June).
    assert session.starts_at == dt.datetime(2026, 6, 1, 23, 0, tzinfo=UTC)
    # The facilitator's phone pages: today's list and the attendance screen.
    now_session = f.GroupSessionFactory(house=house, facilitator_mentors=[mentor])
    phone = as_user(mentor.user)
    assert phone.get(reverse("groups:today")).status_code == 200
    assert phone.get(reverse("groups:attendance", args=[now_session.pk])).status_code == 200
