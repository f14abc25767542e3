"""Real browser at phone size: a manager records one training session for three mentors."""

import pytest

from mentors.models import TrainingCourse, TrainingRecord
from tests import factories as f
from tests.conftest import screenshot

pytestmark = pytest.mark.browser

MI = "Motivational interviewing basics"


def test_a_manager_records_a_session_for_three_mentors_on_a_phone(
    page, live_server, login_browser, manager, house
):
    # The trainees serve every house, so also `house`, which this manager runs.
    trainees = [
        f.MentorFactory(status="in_training", user__first_name=first, user__last_name=last)
        for first, last in [("Ana", "Diaz"), ("Ben", "Cole"), ("Cleo", "Park"), ("Dev", "Rao")]
    ]
    login_browser(page, live_server, manager)
    page.goto("/mentors/")
    page.click("text=Record a training session")
    page.wait_for_url("**/mentors/training/session/")
    page.select_option("select[name=course]", label=MI)
    page.fill("input[name=completed_on]", "2026-01-10")
    # Find people in the list the way a manager would on a phone.
    page.fill("#attendee-filter", "cleo")
    assert page.locator(".attendee:visible").count() == 1
    page.check("text=Cleo Park")
    page.fill("#attendee-filter", "")
    page.check("text=Ana Diaz")
    page.check("text=Ben Cole")
    assert page.locator("#attendee-count").inner_text() == "3 attendees ticked"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is wider than the phone: {width}px"
    screenshot(page, "mentors-session-phone")
    page.click("button:has-text('Record session')")
    page.wait_for_url("**/mentors/")
    assert f"Recorded {MI} for 3 mentors." in page.locator(".alert").first.inner_text()
    mi = TrainingCourse.objects.get(name=MI)
    recorded = set(
        TrainingRecord.objects.filter(course=mi, completed_on="2026-01-10").values_list(
            "mentor__user__first_name", flat=True
        )
    )
    assert recorded == {"Ana", "Ben", "Cleo"}
    assert not TrainingRecord.objects.filter(mentor=trainees[3]).exists()
    assert page.console_errors == []
