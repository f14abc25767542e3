"""Every allauth page a person sees looks like the product (issue 21), at 375x812 and 1366x900:
the site's layout (menu bar, Bootstrap), crispy Bootstrap fields, no sign-up wording or link,
full-width fields and buttons on a phone, and a two-factor code field that opens the number pad.
A staff member on the two-factor step sees no menu of pages they cannot open yet."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.urls import reverse

from mentoring_site.accounts import set_password_url
from tests import factories as f
from tests.conftest import screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1366, "height": 900}

# Pages anyone may open, and pages a signed-in mentor opens from "Security".
PUBLIC = ["account_login", "account_reset_password", "account_reset_password_done"]
SIGNED_IN = [
    "mfa_index",
    "account_email",
    "account_change_password",
    "account_reauthenticate",
    "mfa_activate_totp",
    "mfa_generate_recovery_codes",
]


def check_page(pg, url: str, size: dict) -> dict:
    """Opens url and checks what every account page must have; returns the page's measurements."""
    pg.set_viewport_size(size)
    response = pg.goto(url)
    assert response is not None and response.status == 200, url
    facts = pg.evaluate(
        """() => {
        const main = document.querySelector('#main');
        const mainWidth = main.getBoundingClientRect().width
            - parseFloat(getComputedStyle(main).paddingLeft)
            - parseFloat(getComputedStyle(main).paddingRight);
        const visible = el => el.offsetParent !== null && el.type !== 'hidden';
        const inputs = [...main.querySelectorAll('input, select, textarea')].filter(visible)
            .filter(el => !['checkbox', 'radio'].includes(el.type));
        const buttons = [...main.querySelectorAll('form button, form .btn')].filter(visible);
        return {
            text: document.body.innerText,
            links: [...document.querySelectorAll('a')].map(a => a.getAttribute('href') || ''),
            brand: !!document.querySelector('nav .navbar-brand'),
            bootstrap: !!document.querySelector('link[href*="bootstrap"]'),
            mainWidth,
            unstyled: inputs.filter(el => !el.matches('.form-control, .form-select'))
                            .map(el => el.name),
            inputWidths: inputs.map(el => [el.name, el.getBoundingClientRect().width]),
            buttonWidths: buttons.map(el => [el.innerText.trim(),
                                             el.getBoundingClientRect().width,
                                             el.getBoundingClientRect().height]),
            scrollWidth: document.documentElement.scrollWidth,
        };
    }"""
    )
    assert facts["brand"] and facts["bootstrap"], f"{url}: not in the site's layout"
    assert not re.search(r"sign[\s-]?up", facts["text"], re.I), f"{url}: sign-up wording"
    assert not [h for h in facts["links"] if "signup" in h], f"{url}: a link to sign up"
    assert facts["unstyled"] == [], f"{url}: fields without Bootstrap: {facts['unstyled']}"
    assert facts["scrollWidth"] <= size["width"], f"{url}: scrolls sideways"
    if size is PHONE:
        for name, width in facts["inputWidths"]:
            assert width >= facts["mainWidth"] - 2, f"{url}: field {name} is {width}px wide"
        for label, width, height in facts["buttonWidths"]:
            assert width >= facts["mainWidth"] - 2, f"{url}: button {label!r} is {width}px wide"
            assert height >= 44, f"{url}: button {label!r} is {height}px high"
    return facts


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_public_account_pages_are_styled_without_sign_up(page, live_server, size):
    for name in PUBLIC:
        check_page(page, reverse(name), size)
    # The page behind the set-password link in the account-created email.
    user = f.MentorUserFactory(email="new-mentor@example.org")
    link = urlparse(set_password_url(user)).path  # the email's link, on the test server
    page.set_viewport_size(size)
    page.goto(link)  # allauth moves the key into the session and redirects
    facts = check_page(page, page.url, size)
    assert "password" in facts["text"].lower()
    check_page(page, reverse("account_reset_password_from_key_done"), size)
    # Sign-up is closed: the page says where accounts come from, in the same words.
    check_page(page, reverse("account_signup"), size)
    screenshot(page, f"account-signup-closed-{'phone' if size is PHONE else 'desktop'}")


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_mentors_security_pages_are_styled(page, live_server, login_browser, mentor, size):
    login_browser(page, live_server, mentor.user)
    for name in SIGNED_IN:
        check_page(page, reverse(name), size)
    screenshot(page, f"account-security-{'phone' if size is PHONE else 'desktop'}")


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_staff_two_factor_step_has_a_number_pad_code_field_and_no_menu(
    page, live_server, manager, size
):
    page.set_viewport_size(size)
    page.goto(reverse("account_login"))
    page.fill("input[name=login]", "manager@example.org")
    page.fill("input[name=password]", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/2fa/authenticate/**")
    facts = check_page(page, page.url, size)
    code = page.locator("input[name=code]")
    assert code.get_attribute("inputmode") == "numeric"
    assert code.get_attribute("autocomplete") == "one-time-code"
    assert "Two-factor" in facts["text"] or "Two-Factor" in facts["text"]
    assert page.locator("nav a.nav-link").count() == 0, "a menu before the second factor"
    screenshot(page, f"account-two-factor-{'phone' if size is PHONE else 'desktop'}")


def test_staff_asked_for_the_code_again_see_no_menu(page, live_server, manager, client):
    """A staff session without the code step (signed in before two-factor was required) is sent
    to the code page; the menu there would only lead back to it."""
    client.force_login(manager, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session["account_authentication_methods"] = []  # forget the recorded code step
    session.save()
    cookie = client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
    page.goto(reverse("residents:list"))
    page.wait_for_url("**/2fa/reauthenticate/**")
    check_page(page, page.url, PHONE)
    code = page.locator("input[name=code]")
    assert code.get_attribute("inputmode") == "numeric"
    assert code.get_attribute("autocomplete") == "one-time-code"
    assert page.locator("nav a.nav-link").count() == 0
