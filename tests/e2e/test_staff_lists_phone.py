"""Staff lists never scroll sideways (issue 21): residents, mentors and waiting at 375x812 (rows
stack into cards) and 1366x900; the resident list shows each resident's mentor."""

import pytest
from django.urls import reverse

from tests import factories as f
from tests.conftest import screenshot

pytestmark = pytest.mark.browser

LISTS = ["residents:list", "mentors:list", "matching:waiting"]

WIDEST = """() => {
    const page = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('#main *')]
        .filter(el => el.scrollWidth > el.clientWidth + 1
                      && getComputedStyle(el).overflowX !== 'visible')
        .filter(el => el.clientWidth > 1)
        .map(el => el.tagName + '.' + el.className);
    return {scroll: document.documentElement.scrollWidth, page, wide};
}"""


@pytest.fixture
def lists_with_rows(house, manager):
    mentor = f.ClearedMentorFactory(
        user__first_name="Bartholomew", user__last_name="Featherstonehaugh", capacity=3
    )
    for name in ("Guadalupe", "Maximiliano", "Anastasia"):
        resident = f.ResidentFactory(
            house=house, preferred_name=name, last_name="Montgomery-Whitfield"
        )
        if name != "Anastasia":
            f.PairingFactory(mentor=mentor, resident=resident)
    f.ClearedMentorFactory(user__first_name="Priya", user__last_name="Natarajan-Okonkwo")


@pytest.mark.parametrize("size", [(375, 812), (1366, 900)], ids=["phone", "desktop"])
def test_staff_lists_fit_the_screen(
    page, live_server, login_browser, manager, lists_with_rows, size
):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    login_browser(page, live_server, manager)
    for url_name in LISTS:
        page.goto(reverse(url_name))
        facts = page.evaluate(WIDEST)
        assert facts["scroll"] <= size[0], f"{url_name} scrolls sideways: {facts}"
        assert facts["wide"] == [], f"{url_name} has a sideways-scrolling box: {facts['wide']}"
    page.goto(reverse("residents:list"))
    mentors = page.locator(".resident-mentor")
    assert mentors.count() == 3
    text = page.locator(".resident-table").inner_text()
    assert "Bartholomew Featherstonehaugh" in text
    screenshot(page, f"staff-resident-list-{size[0]}")
