"""The log form on a phone (375x812): "When" shows the whole date, time and AM/PM; after saving,
"Contact saved" says which day the next check-in is due (issue 21)."""

import pytest
from django.urls import reverse

from tests import factories as f
from tests.activity_log.contact_support import pairing_for
from tests.conftest import screenshot

pytestmark = pytest.mark.browser

# The widest text a datetime-local field shows in Chromium's en-US locale, in the field's own font.
FITS = """() => {
    const input = document.querySelector('input[name=happened_at]');
    const style = getComputedStyle(input);
    const probe = document.createElement('span');
    probe.textContent = '12/30/2026, 12:58 PM';
    probe.style.font = style.font;
    probe.style.position = 'absolute';
    probe.style.whiteSpace = 'nowrap';
    document.body.appendChild(probe);
    const needed = probe.getBoundingClientRect().width
        + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight)
        + 32;  // the calendar button inside the field
    probe.remove();
    return {width: input.getBoundingClientRect().width, needed};
}"""


def test_when_shows_date_time_and_am_pm_and_saved_names_the_next_due_day(
    page, live_server, login_browser, mentor, house
):
    pairing = pairing_for(mentor, house=house, resident=f.ResidentFactory(house=house))
    login_browser(page, live_server, mentor.user)
    page.goto(reverse("activity_log:contact_new", args=[pairing.pk]))
    size = page.evaluate(FITS)
    assert size["width"] >= size["needed"], f"'When' is cut: {size}"
    page.get_by_role("button", name="Save contact").click()
    page.wait_for_url("**/saved/")
    pairing.refresh_from_db()
    from django.utils import timezone

    due = timezone.localtime(pairing.next_due_at, house.zone)
    words = f"Next check-in due {due:%A} {due.day} {due:%B}"
    assert page.locator(".next-due").inner_text() == words
    screenshot(page, "log-saved-next-due-phone")
