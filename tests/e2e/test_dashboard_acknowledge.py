"""Real browser at phone size: a manager acknowledges an urgent concern from the dashboard."""

import datetime as dt

import pytest
from django.utils import timezone

from activity_log.models import ContactLog
from tests import factories as f
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def no_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is wider than the phone: {width}px"


def test_manager_acknowledges_an_urgent_concern_and_it_leaves_the_list(
    page, live_server, login_browser, manager, house
):
    pairing = f.PairingFactory(
        resident__house=house,
        resident__preferred_name="Quinn",
        started_on=timezone.localdate() - dt.timedelta(days=30),
    )
    concern = f.ContactLogFactory(
        pairing=pairing, concern_level="urgent", concern_note="Talked about using again"
    )
    f.ResidentFactory(house=house, preferred_name="Waiting Wendy-Longname-Withoutbreaks")
    login_browser(page, live_server, manager)

    page.goto("/dashboard/")
    assert page.locator("h1").inner_text() == "Dashboard"
    urgent = page.locator("#urgent-list")
    assert "Quinn" in urgent.inner_text()
    page.wait_for_selector("#health-table")  # program health arrives through htmx
    assert page.locator("#program-health svg.chart").is_visible()
    no_overflow(page)
    screenshot(page, "dashboard-phone")

    item = urgent.locator(f'[data-contact="{concern.pk}"]')
    item.get_by_label("What did you do?").fill("Called her; she is safe and going to a meeting")
    item.get_by_role("button", name="Acknowledge").click()

    page.wait_for_selector("text=Concern acknowledged")
    assert page.locator("#urgent-list").count() == 0
    assert "No urgent concerns waiting" in page.content()
    no_overflow(page)
    screenshot(page, "dashboard-acknowledged-phone")
    concern.refresh_from_db()
    assert concern.acknowledged_by == manager
    assert page.console_errors == []


def test_reports_page_fits_a_phone_and_prints_cleanly(
    page, live_server, login_browser, manager, house
):
    pairing = f.PairingFactory(resident__house=house)
    f.ContactLogFactory(pairing=pairing)
    login_browser(page, live_server, manager)
    page.goto("/reports/")
    assert page.locator("h1").inner_text() == "Program report"
    no_overflow(page)
    screenshot(page, "reports-phone")
    page.goto("/reports/print/")
    page.emulate_media(media="print")
    assert page.locator("svg.chart").first.is_visible()
    screenshot(page, "reports-print")
    assert ContactLog.objects.count() == 1
    assert page.console_errors == []
