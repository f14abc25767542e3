"""One house's bad data never silences the others (issue 14, fault 1; docs/reliability.md).

A house with a time zone that is not a known name (`Mars/Olympus`, written before validation
existed) used to stop the scan for every house, crash the sender before it sent anything, and
give mentors a 500. Now its zone falls back to the program zone; any other failure of one house
is logged once with the house id, that house is skipped, and its rows are retried and given up
like any failed send.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.models import Reminder
from activity_log.reminders.emails import _item
from activity_log.reminders.scan import scan_overdue
from activity_log.reminders.send import quiet_hours_send_after, send_due_reminders
from matching.models import Pairing
from residents.models import House
from tests import factories as f
from tests.activity_log.contact_support import pairing_for

pytestmark = pytest.mark.django_db

# 15:00 UTC is 10:00 or 11:00 in New York (the program zone): outside quiet hours.
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
BAD_ZONE = "Mars/Olympus"


def overdue_houses(count: int = 5) -> list[House]:
    """`count` houses with a manager and two pairings overdue by four days each."""
    houses = []
    for _ in range(count):
        house = f.HouseFactory(managers=[f.ManagerUserFactory()])
        for _ in range(2):
            pairing = f.PairingFactory(resident=f.ResidentFactory(house=house))
            Pairing.objects.filter(pk=pairing.pk).update(next_due_at=NOW - dt.timedelta(days=4))
        houses.append(house)
    return houses


def spoil_zone(house: House) -> None:
    # Bypasses the validator, as a value written before it existed would.
    House.objects.filter(pk=house.pk).update(time_zone=BAD_ZONE)


def test_a_house_with_an_unknown_time_zone_stops_nobodys_reminders(mailoutbox, caplog):
    houses = overdue_houses(5)
    spoil_zone(houses[2])

    with caplog.at_level(logging.WARNING, logger="activity_log.reminders"):
        scan = scan_overdue(NOW)
        sent = send_due_reminders(NOW)

    # Every house, the bad one included (in the program zone): 10 mentor reminders, 10 escalations.
    assert (scan.mentor_overdue, scan.manager_escalation, scan.skipped_houses) == (10, 10, [])
    assert (sent.sent, sent.failed) == (20, 0)
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0
    assert {m.to[0] for m in mailoutbox} >= {h.managers.get().email for h in houses}
    zone_logs = [r.getMessage() for r in caplog.records if "unknown time zone" in r.getMessage()]
    # Logged once by the scan and once by the sender, with the id and never the name.
    assert (
        zone_logs
        == [
            f"house {houses[2].pk} has an unknown time zone; its reminders use the program time zone"
        ]
        * 2
    )
    assert all(houses[2].name not in r.getMessage() for r in caplog.records)


def test_quiet_hours_of_a_house_with_an_unknown_zone_follow_the_program_zone():
    # 02:30 UTC is 21:30 in New York (the program zone): quiet until 08:00 there.
    night = dt.datetime(2026, 3, 11, 2, 30, tzinfo=dt.UTC)
    assert quiet_hours_send_after(night, BAD_ZONE) == dt.datetime(2026, 3, 11, 12, 0, tzinfo=dt.UTC)


def test_a_house_that_fails_in_the_scan_is_logged_once_and_skipped(monkeypatch, caplog):
    houses = overdue_houses(5)
    broken = houses[3]
    House.objects.filter(pk=broken.pk).update(time_zone="Europe/Paris")
    real = quiet_hours_send_after

    def failing_for_paris(now, time_zone):
        if time_zone == "Europe/Paris":
            raise RuntimeError(f"something about {broken.name}")
        return real(now, time_zone)

    monkeypatch.setattr("activity_log.reminders.scan.quiet_hours_send_after", failing_for_paris)

    with caplog.at_level(logging.WARNING, logger="activity_log.reminders"):
        scan = scan_overdue(NOW)

    assert scan.skipped_houses == [broken.pk]
    assert (scan.mentor_overdue, scan.manager_escalation) == (8, 8)
    written = set(Reminder.objects.values_list("pairing__resident__house_id", flat=True))
    assert written == {h.pk for h in houses} - {broken.pk}
    skipped = [r.getMessage() for r in caplog.records if "skipped house" in r.getMessage()]
    assert skipped == [f"overdue scan skipped house {broken.pk}: RuntimeError"]
    assert all(broken.name not in r.getMessage() for r in caplog.records)

    # The next run (the fault mended) writes that house's reminders too.
    monkeypatch.setattr("activity_log.reminders.scan.quiet_hours_send_after", real)
    assert scan_overdue(NOW).mentor_overdue == 2


def test_a_row_that_fails_to_prepare_fails_alone_and_is_given_up_after_a_day(
    monkeypatch, mailoutbox, caplog, settings
):
    """One mentor, mentees in two houses; one house's rows fail: the other still goes."""
    good, bad = f.HouseFactory(), f.HouseFactory()
    mentor = f.ClearedMentorFactory()
    for house, name in ((good, "Goodwin"), (bad, "Badger")):
        pairing = pairing_for(mentor, resident=f.ResidentFactory(house=house, preferred_name=name))
        Pairing.objects.filter(pk=pairing.pk).update(next_due_at=NOW - dt.timedelta(days=1))
    scan_overdue(NOW)
    real_item = _item

    def failing_item(reminder, now):
        if reminder.pairing.resident.house_id == bad.pk:
            raise ValueError("a template filter tripped over Badger's data")
        return real_item(reminder, now)

    monkeypatch.setattr("activity_log.reminders.send._item", failing_item)

    with caplog.at_level(logging.WARNING, logger="activity_log.reminders"):
        result = send_due_reminders(NOW)

    assert (result.emails, result.sent, result.failed) == (1, 1, 1)
    assert "Goodwin" in mailoutbox[0].body and "Badger" not in mailoutbox[0].body
    failing = Reminder.objects.get(pairing__resident__house=bad)
    assert (failing.attempts, failing.sent_at, failing.failed_at) == (1, None, None)
    assert failing.claimed_until == NOW + dt.timedelta(minutes=1)  # backing off, not re-claimed
    assert failing.last_error.startswith("ValueError")
    logged = [r.getMessage() for r in caplog.records if "could not be prepared" in r.getMessage()]
    assert logged == [f"reminders for house {bad.pk} could not be prepared (1 rows): ValueError"]
    assert all("Badger" not in r.getMessage() for r in caplog.records)

    # Still failing a day after it could first have gone: given up, shown as failed.
    later = failing.send_after + settings.REMINDER_GIVE_UP
    assert send_due_reminders(later).gave_up == 1
    failing.refresh_from_db()
    assert failing.failed_at == later and failing.sent_at is None
    assert send_due_reminders(later + dt.timedelta(hours=3)).claimed == 0


def test_the_sender_survives_a_house_zone_that_breaks_after_the_scan(mailoutbox):
    houses = overdue_houses(3)
    scan_overdue(NOW)
    spoil_zone(houses[0])
    result = send_due_reminders(NOW)
    assert (result.sent, result.failed) == (12, 0)


def test_my_mentees_and_the_log_form_work_for_a_mentee_in_a_house_with_a_bad_zone(as_user, mentor):
    house = f.HouseFactory()
    pairing = pairing_for(mentor, house=house)
    Pairing.objects.filter(pk=pairing.pk).update(next_due_at=timezone.now() - dt.timedelta(days=2))
    spoil_zone(house)
    client = as_user(mentor.user)

    response = client.get(reverse("activity_log:my_mentees"))
    assert response.status_code == 200
    assert "Overdue by 2 days" in response.content.decode()
    assert client.get(reverse("activity_log:contact_new", args=[pairing.pk])).status_code == 200


def test_the_dashboard_names_houses_whose_reminders_fail_and_houses_with_a_bad_zone(
    as_user, program_admin, manager, house, house2
):
    failing = f.ReminderFactory(
        pairing=f.PairingFactory(resident__house=house),
        attempts=3,
        last_error="SMTPServerDisconnected",
    )
    f.ReminderFactory(pairing=f.PairingFactory(resident__house=house2), failed_at=timezone.now())
    f.ReminderFactory(pairing=f.PairingFactory(resident__house=house2), sent_at=timezone.now())
    spoil_zone(house2)

    html = as_user(program_admin).get(reverse("activity_log:dashboard")).content.decode()
    assert "Reminders failing for Maple House" in html
    assert "Reminders failing for Harbor House" in html
    assert f"?state=failing&amp;house={house.pk}" in html
    assert f'Harbor House has an unknown time zone ("{BAD_ZONE}")' in html
    assert "Every reminder was delivered" not in html
    assert reverse("admin:residents_house_change", args=[house2.pk]) in html

    # A manager sees their own houses only.
    html = as_user(manager).get(reverse("activity_log:dashboard")).content.decode()
    assert "Reminders failing for Maple House" in html
    assert "Harbor House" not in html
    assert failing.sent_at is None


def test_the_admin_lists_a_houses_failing_reminders(as_user, house, house2):
    superuser = f.AdminUserFactory(is_staff=True, is_superuser=True)
    mine = f.ReminderFactory(pairing=f.PairingFactory(resident__house=house), attempts=2)
    f.ReminderFactory(pairing=f.PairingFactory(resident__house=house2), attempts=2)
    f.ReminderFactory(pairing=f.PairingFactory(resident__house=house))  # waiting, never tried
    response = as_user(superuser).get(
        reverse("admin:activity_log_reminder_changelist"), {"state": "failing", "house": house.pk}
    )
    assert response.status_code == 200
    assert [r.pk for r in response.context["cl"].result_list] == [mine.pk]
