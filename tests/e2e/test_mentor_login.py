"""Real browser at phone size: the demo mentor signs in through the form and sees their home."""

import pytest

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
