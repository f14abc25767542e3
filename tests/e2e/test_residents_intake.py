"""Real browser at phone size: a manager admits a resident, adds a goal and sees both."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from residents.models import RecoveryGoal, Resident
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def assert_fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is wider than the phone: {width}px"


def test_a_manager_admits_a_resident_adds_a_goal_and_sees_both(
    page, live_server, login_browser, manager, house
):
    login_browser(page, live_server, manager)
    page.goto("/residents/")
    assert "No active residents yet" in page.content()
    assert_fits_the_phone(page)
    page.click("text=Admit a resident")

    page.fill("#id_first_name", "Guadalupe")
    page.fill("#id_last_name", "Martínez")
    page.fill("#id_preferred_name", "Lupe")
    page.fill("#id_move_in_date", timezone.localdate().isoformat())
    page.get_by_label("Spanish", exact=True).check()
    assert_fits_the_phone(page)
    screenshot(page, "residents-intake-phone")
    page.click("button:has-text('Admit resident')")
    page.wait_for_url("**/residents/*/")
    resident = Resident.objects.get()
    assert page.locator("h1").inner_text() == "Lupe"
    assert "admitted to Maple House" in page.content()

    page.click("text=Add a goal")
    page.select_option("#id_category", "employment")
    page.fill("#id_text", "Get hired at the bakery <soon>")
    page.click("button:has-text('Save goal')")
    page.wait_for_url(f"**/residents/{resident.pk}/#goals")

    goals = page.locator("#goals")
    assert "Get hired at the bakery <soon>" in goals.inner_text()
    assert "Employment" in goals.inner_text()
    assert "Guadalupe Martínez" in page.locator("main").inner_text()
    assert "Spanish" in page.locator("main").inner_text()
    assert RecoveryGoal.objects.get().resident == resident
    # The three slots loaded from their own URLs without errors.
    page.wait_for_load_state("networkidle")
    for heading in ("Mentor pairings", "Contact timeline", "Who accessed this record"):
        assert page.locator(f"h2:has-text('{heading}')").count() == 1
    assert_fits_the_phone(page)
    screenshot(page, "residents-detail-phone")

    page.goto("/residents/")
    assert "Lupe" in page.locator("table").inner_text()
    assert page.console_errors == []


def test_a_manager_exits_a_resident_after_confirming(
    page, live_server, login_browser, manager, house
):
    from tests import factories as f

    resident = f.ResidentFactory(house=house, preferred_name="Rory")
    login_browser(page, live_server, manager)
    page.goto(f"/residents/{resident.pk}/")
    page.click("text=Record exit")
    page.get_by_label("Graduated", exact=True).check()
    page.fill("#id_reason", "Completed the program")
    page.click("button:has-text('Continue')")
    expect(page.locator("main")).to_contain_text("Please confirm")  # waits for the answer page
    resident.refresh_from_db()
    assert resident.is_active
    page.click("button:has-text('Yes, record the exit')")
    page.wait_for_url(f"**/residents/{resident.pk}/")
    assert "Graduated" in page.locator("main").inner_text()
    resident.refresh_from_db()
    assert resident.status == "graduated"
    assert_fits_the_phone(page)
    assert page.console_errors == []
