"""Real browser at phone size: a mentor signs in through the form and sees their home, and so
does the demo mentor from `seed_demo` with the password the README prints."""

import pytest
from django.core.management import call_command

from tests import factories as f
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def test_mentor_signs_in_and_sees_my_mentees(page, live_server, mentor):
    page.goto("/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=login]", "mentor@example.org")
    page.fill("input[name=password]", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/my/")
    assert page.locator("h1").inner_text() == "My mentees"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is wider than the phone: {width}px"
    screenshot(page, "mentor-home-phone")
    assert page.console_errors == []


def test_the_seeded_demo_mentor_signs_in_and_sees_their_mentees(page, live_server, settings):
    settings.DEBUG = True  # seed_demo refuses to run otherwise
    call_command("seed_demo")
    settings.DEBUG = False  # the live server answers as in production
    page.goto("/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=login]", "mentor@example.com")
    page.fill("input[name=password]", "recovery-demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/my/")
    assert page.locator("h1").inner_text() == "My mentees"
    # The README promises the demo mentor has active mentees.
    assert page.locator(".mentee-list li.mentee").count() > 0
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is wider than the phone: {width}px"
    screenshot(page, "demo-mentor-home-phone")
    assert page.console_errors == []
