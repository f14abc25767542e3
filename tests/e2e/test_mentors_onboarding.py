"""Real browser at phone size: a manager takes a new volunteer from applicant to cleared,
seeing at each step exactly why they are not cleared yet."""

import pytest

from mentors.models import Mentor, TrainingCourse
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def test_a_manager_takes_a_volunteer_from_applicant_to_cleared(
    page, live_server, login_browser, manager, house
):
    login_browser(page, live_server, manager)
    page.goto("/mentors/")
    page.click("text=Add a mentor")
    page.fill("input[name=email]", "dana.volunteer@example.org")
    page.fill("input[name=first_name]", "Dana")
    page.fill("input[name=last_name]", "Volunteer")
    page.fill("input[name=recovery_since]", "2019-04-02")
    page.check(f"text={house.name}")  # one of their houses, so they look after this mentor
    page.click("button:has-text('Add mentor')")
    page.wait_for_url("**/mentors/*/")
    clearance = page.locator("#clearance").inner_text()
    assert "Status is applicant" in clearance
    assert "Orientation to peer mentoring not completed" in clearance
    mentor = Mentor.objects.get(user__email="dana.volunteer@example.org")

    page.click("text=Change status")
    page.select_option("select[name=status]", "in_training")
    page.fill("textarea[name=reason]", "References checked")
    page.click("button:has-text('Change status')")
    page.wait_for_url(f"**/mentors/{mentor.pk}/")

    for course in TrainingCourse.objects.filter(required=True):
        page.click("text=Record training")
        page.select_option("select[name=course]", label=course.name)
        page.click("button:has-text('Record training')")
        page.wait_for_url(f"**/mentors/{mentor.pk}/")
    assert page.locator("#clearance").inner_text().strip() == (
        "Not cleared to mentor:\nStatus is in training"
    )

    page.click("text=Change status")
    page.select_option("select[name=status]", "active")
    page.fill("textarea[name=reason]", "Finished the required courses")
    page.click("button:has-text('Change status')")
    page.wait_for_url(f"**/mentors/{mentor.pk}/")
    assert page.locator("#clearance").inner_text().strip() == "Cleared to mentor."
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is wider than the phone: {width}px"
    screenshot(page, "mentors-detail-cleared-phone")

    page.goto("/mentors/")
    row = page.locator("#roster a", has_text="Dana Volunteer")
    assert "Cleared" in row.inner_text()
    assert "0 of 3 mentees" in row.inner_text()
    screenshot(page, "mentors-roster-phone")
    assert page.console_errors == []
