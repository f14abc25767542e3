"""Real browser (issue 21, "Words and numbers that agree"): one pairing's lateness reads the same on
the mentor's phone (375x812), the manager's dashboard and the pairing page (1366x900), by the
check-in rule (matching/checkins.py)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def _due(pairing, days_ago: int, at: dt.time):
    tz = pairing.zone
    day = timezone.localdate(timezone.now(), tz) - dt.timedelta(days=days_ago)
    return f.set_due(pairing, dt.datetime.combine(day, at, tzinfo=tz))


def test_the_phone_the_dashboard_and_the_pairing_page_say_the_same_lateness(
    page, live_server, login_browser, manager, house, mentor
):
    late = f.PairingFactory(mentor=mentor, resident__house=house, resident__preferred_name="Lou")
    _due(late, 6, dt.time(23, 30))
    today = f.PairingFactory(mentor=mentor, resident__house=house, resident__preferred_name="Tia")
    _due(today, 0, dt.time(0, 5))

    login_browser(page, live_server, mentor.user)
    page.goto("/my/")
    cards = page.locator("li.mentee")
    assert "Overdue by 6 days" in cards.filter(has_text="Lou").locator(".due-badge").inner_text()
    assert "Due today" in cards.filter(has_text="Tia").locator(".due-badge").inner_text()
    screenshot(page, "lateness-phone")

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1366, "height": 900})
    login_browser(page, live_server, manager)
    page.goto("/dashboard/")
    overdue = page.locator("#overdue-list")
    assert "Lou" in overdue.inner_text() and "Overdue by 6 days" in overdue.inner_text()
    assert "Tia" not in overdue.inner_text()  # due today is not overdue, on either screen
    screenshot(page, "lateness-dashboard")

    page.goto(reverse("matching:detail", args=[late.pk]))
    assert "Check-in overdue by 6 days" in page.locator("body").inner_text()
    page.goto(reverse("matching:detail", args=[today.pk]))
    assert "Check-in due today" in page.locator("body").inner_text()
    assert page.console_errors == []
