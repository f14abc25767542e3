"""Real browser at phone size: a manager pairs a waiting resident from the suggestions."""

import re

import pytest

from matching.models import Pairing
from residents.models import Language
from tests import factories as f
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def no_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is wider than the phone: {width}px"


def test_manager_pairs_a_waiting_resident_from_the_suggestions(
    page, live_server, login_browser, manager, house, mentor, mentor2
):
    spanish = Language.objects.get(code="es")
    resident = f.ResidentFactory(house=house, preferred_name="Ana")
    resident.languages.add(spanish)
    mentor.languages.add(spanish)
    login_browser(page, live_server, manager)

    page.goto("/matching/waiting/")
    assert page.locator("h1").inner_text() == "Waiting for a mentor"
    no_overflow(page)
    screenshot(page, "matching-waiting-phone")
    page.get_by_role("link", name="Find a mentor").click()

    page.wait_for_url(re.compile(r"/matching/residents/\d+/suggest/$"))
    first = page.locator("#suggestions .suggestion").first
    assert "Sam" in first.inner_text()
    assert "Speaks Spanish" in first.inner_text()
    assert "0 of 3 places taken" in first.inner_text()
    no_overflow(page)
    screenshot(page, "matching-suggestions-phone")
    first.get_by_role("link", name="Choose Sam").click()

    page.wait_for_url(re.compile(r"/matching/residents/\d+/pair/\d+/$"))
    page.fill("input[name=checkin_interval_days]", "5")
    page.get_by_role("button", name="Pair them").click()

    page.wait_for_url(re.compile(r"/matching/\d+/$"))
    assert "Ana is now paired with Sam." in page.locator(".messages").inner_text()
    no_overflow(page)
    screenshot(page, "matching-pairing-phone")
    pairing = Pairing.objects.get()
    assert (pairing.resident, pairing.mentor, pairing.checkin_interval_days) == (
        resident,
        mentor,
        5,
    )

    page.goto("/matching/waiting/")
    assert "Nobody is waiting" in page.content()

    # The resident page loads the pairing from matching (an htmx partial).
    page.goto(f"/residents/{resident.pk}/")
    page.get_by_role("link", name="Pairing details").wait_for()
    assert "Sam" in page.locator(".matching-resident-pairings").inner_text()
    no_overflow(page)
    assert page.console_errors == []
