"""Real browser at phone size: a mentor checks their training and updates their profile."""

import datetime as dt

import pytest
from django.utils import timezone

from mentors.models import TrainingRecord
from tests.conftest import screenshot

pytestmark = pytest.mark.browser

ETHICS = "Ethics, boundaries and confidentiality"


def test_a_mentor_sees_what_expires_soon_and_edits_their_phone(
    page, live_server, login_browser, mentor
):
    TrainingRecord.objects.filter(mentor=mentor, course__name=ETHICS).update(
        expires_on=timezone.localdate() + dt.timedelta(days=20)
    )
    login_browser(page, live_server, mentor.user)
    page.goto("/mentors/me/training/")
    assert ETHICS in page.locator("#training-expiring").inner_text()
    assert page.locator("#clearance").inner_text().strip() == "Cleared to mentor."
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is wider than the phone: {width}px"
    screenshot(page, "mentors-my-training-phone")

    page.goto("/mentors/me/profile/")
    page.fill("input[name=phone]", "555-0142")
    page.click("button:has-text('Save')")
    page.wait_for_url("**/mentors/me/profile/")
    assert "Your profile is saved." in page.locator(".alert").first.inner_text()
    mentor.refresh_from_db()
    assert mentor.phone == "555-0142"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is wider than the phone: {width}px"
    screenshot(page, "mentors-my-profile-phone")
    assert page.console_errors == []
