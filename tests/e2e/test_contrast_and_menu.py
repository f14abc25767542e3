"""Yellow (warning) badges, buttons and text are readable (WCAG AA, 4.5:1 against their
background), and the menu shows the page you are on with more than a colour change; at
375x812 and 1366x900."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser

CONTRAST = """(selector) => {
    const el = document.querySelector(selector);
    const rgb = s => s.match(/[0-9.]+/g).slice(0, 3).map(Number);
    const lum = c => {
        const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92
                                                 : Math.pow((v + 0.055) / 1.055, 2.4); });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    let node = el, bg = 'rgba(0, 0, 0, 0)';
    while (node && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent')) {
        bg = getComputedStyle(node).backgroundColor; node = node.parentElement;
    }
    const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(rgb(bg))];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""

SAMPLES = """() => {
    const box = document.createElement('div');
    box.className = 'bg-white p-3';
    box.innerHTML = '<button id="s-outline" class="btn btn-outline-warning">Watch</button>' +
        '<span id="s-badge" class="badge text-bg-warning">Paused</span>' +
        '<span id="s-text" class="text-warning">Expiring</span>' +
        '<button id="s-solid" class="btn btn-warning">Continue</button>';
    document.querySelector('#main').prepend(box);
}"""


@pytest.mark.parametrize("size", [(375, 812), (1366, 900)], ids=["phone", "desktop"])
def test_yellow_is_readable(page, live_server, login_browser, mentor, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    login_browser(page, live_server, mentor.user)
    page.goto(reverse("activity_log:my_mentees"))
    page.evaluate(SAMPLES)
    for sample in ("#s-outline", "#s-badge", "#s-text", "#s-solid"):
        ratio = page.evaluate(CONTRAST, sample)
        assert ratio >= 4.5, f"{sample}: contrast {ratio:.2f}:1"


def test_the_menu_shows_where_you_are(page, live_server, login_browser, mentor):
    page.set_viewport_size({"width": 1366, "height": 900})
    login_browser(page, live_server, mentor.user)
    page.goto(reverse("activity_log:my_progress"))
    current = page.locator('nav a[aria-current="page"]')
    assert current.inner_text() == "My progress"
    other = page.locator("nav a.nav-link", has_text="My mentees")
    style = "el => [getComputedStyle(el).fontWeight, getComputedStyle(el).textDecorationLine]"
    assert current.evaluate(style) != other.evaluate(style)
    assert current.evaluate(style)[1] == "underline"
