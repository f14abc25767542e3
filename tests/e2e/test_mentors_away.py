"""Real browser at phone size: a mentor sets time away on My profile; a too-long absence is
explained beside the field with the dates kept, and a valid one pauses their pairing."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matching.models import Pairing
from tests import factories as f
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def test_a_mentor_sets_time_away_on_their_phone(page, live_server, login_browser, mentor, house):
    pairing = f.PairingFactory(mentor=mentor, resident=f.ResidentFactory(house=house))
    today = timezone.localdate()
    login_browser(page, live_server, mentor.user)
    page.goto("/mentors/me/profile/")
    page.fill("input[name=away_from]", today.isoformat())
    page.fill("input[name=back_on]", (today + dt.timedelta(days=90)).isoformat())
    page.click("button:has-text('Save time away')")
    # The click returns once the answer's page has begun to arrive; expect() waits until it
    # shows the error. A bare page.content() here once read an empty <body> on a loaded CI run.
    expect(page.locator("main")).to_contain_text("You can be away for 60 days at most.")
    assert page.input_value("input[name=away_from]") == today.isoformat()

    page.fill("input[name=back_on]", (today + dt.timedelta(days=14)).isoformat())
    page.click("button:has-text('Save time away')")
    page.wait_for_url("**/mentors/me/profile/")
    assert "Your mentees' check-ins pause meanwhile" in page.locator(".alert").first.inner_text()
    assert "You are away, back on" in page.locator("#away-state").inner_text()
    pairing.refresh_from_db()
    assert pairing.status == Pairing.Status.PAUSED
    assert pairing.pause_reason == Pairing.PauseReason.MENTOR_AWAY
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is wider than the phone: {width}px"
    screenshot(page, "mentors-away-phone")
    assert page.console_errors == []
