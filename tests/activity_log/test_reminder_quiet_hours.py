"""Quiet hours (21:00-08:00 in the house's time zone) in two time zones; urgent alerts ignore them."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from activity_log.models import Reminder
from activity_log.reminders.scan import scan_overdue
from activity_log.reminders.send import quiet_hours_send_after, send_due_reminders
from matching.models import Pairing
from tests import factories as f
from tests.activity_log.contact_support import urgent_reminder

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
LOS_ANGELES = zoneinfo.ZoneInfo("America/Los_Angeles")
# 02:30 UTC on 11 March: 22:30 in New York (quiet), 19:30 in Los Angeles (not quiet).
NIGHT_IN_NEW_YORK = dt.datetime(2026, 3, 11, 2, 30, tzinfo=dt.UTC)
EIGHT_IN_NEW_YORK = dt.datetime(2026, 3, 11, 8, 0, tzinfo=NEW_YORK)


def local(hour: int, minute: int = 0, tz=NEW_YORK, day: int = 10) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=tz)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local(8, 0), local(8, 0)),
        (local(20, 59), local(20, 59)),
        (local(21, 0), local(8, 0, day=11)),
        (local(23, 30), local(8, 0, day=11)),
        (local(0, 15), local(8, 0)),
        (local(7, 59), local(8, 0)),
    ],
)
def test_quiet_hours_push_sending_to_the_next_eight_oclock(now, expected):
    assert quiet_hours_send_after(now, "America/New_York") == expected


def test_quiet_hours_follow_each_house_clock():
    assert quiet_hours_send_after(NIGHT_IN_NEW_YORK, "America/Los_Angeles") == NIGHT_IN_NEW_YORK
    assert quiet_hours_send_after(NIGHT_IN_NEW_YORK, "America/New_York") == EIGHT_IN_NEW_YORK


def test_eight_oclock_is_local_across_a_daylight_saving_change():
    # Clocks in New York go forward at 02:00 on 8 March 2026: 08:00 is 12:00 UTC, not 13:00.
    night = dt.datetime(2026, 3, 7, 23, 0, tzinfo=NEW_YORK)
    assert quiet_hours_send_after(night, "America/New_York") == dt.datetime(
        2026, 3, 8, 12, 0, tzinfo=dt.UTC
    )


def overdue_in(time_zone: str) -> Pairing:
    house = f.HouseFactory(time_zone=time_zone)
    pairing = f.PairingFactory(resident=f.ResidentFactory(house=house))
    Pairing.objects.filter(pk=pairing.pk).update(
        next_due_at=NIGHT_IN_NEW_YORK - dt.timedelta(days=1)
    )
    pairing.refresh_from_db()
    return pairing


def test_at_night_in_new_york_its_reminders_wait_while_los_angeles_gets_its_own(mailoutbox):
    new_york = overdue_in("America/New_York")
    los_angeles = overdue_in("America/Los_Angeles")

    scan_overdue(NIGHT_IN_NEW_YORK)

    waiting = {r.pairing_id: r.send_after for r in Reminder.objects.all()}
    assert waiting == {new_york.pk: EIGHT_IN_NEW_YORK, los_angeles.pk: NIGHT_IN_NEW_YORK}
    send_due_reminders(NIGHT_IN_NEW_YORK)
    assert [m.to for m in mailoutbox] == [[los_angeles.mentor.user.email]]

    assert send_due_reminders(EIGHT_IN_NEW_YORK - dt.timedelta(minutes=1)).emails == 0
    assert send_due_reminders(EIGHT_IN_NEW_YORK).emails == 1
    assert mailoutbox[1].to == [new_york.mentor.user.email]


def test_a_retry_that_falls_in_quiet_hours_waits_for_the_morning(mailoutbox):
    pairing = overdue_in("America/New_York")
    reminder = Reminder.objects.create(
        kind="mentor_overdue",
        pairing=pairing,
        subject_key=f"pairing:{pairing.pk}",
        due_at=pairing.next_due_at,
        recipient=pairing.mentor.user,
        send_after=NIGHT_IN_NEW_YORK - dt.timedelta(hours=3),  # written at 19:30, then failed
    )

    result = send_due_reminders(NIGHT_IN_NEW_YORK)

    assert (result.emails, result.deferred) == (0, 1)
    reminder.refresh_from_db()
    assert (reminder.send_after, reminder.claimed_until) == (EIGHT_IN_NEW_YORK, None)


def test_an_urgent_concern_goes_at_once_even_at_night(manager, mailoutbox):
    house = f.HouseFactory(time_zone="America/New_York", managers=[manager])
    urgent_reminder(manager, house=house, send_after=NIGHT_IN_NEW_YORK)
    assert send_due_reminders(NIGHT_IN_NEW_YORK).emails == 1
    assert mailoutbox[0].subject.startswith("Urgent:")
