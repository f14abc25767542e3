"""Real browser under the Content-Security-Policy: staff two-factor sign-in, the resident page,
the audit pages and the Django admin run without console errors (CSP violations are errors)."""

import pytest
from django.core.cache import cache

from tests import factories as f
from tests.conftest import screenshot
from tests.privacy.totp import totp_code

pytestmark = pytest.mark.browser


@pytest.mark.allow_console_errors("Content Security Policy")
def test_a_csp_violation_shows_up_as_a_console_error(page, live_server):
    page.goto("/accounts/login/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = 1'; document.head.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran") is None
    assert any("Content Security Policy" in e for e in page.console_errors)


def test_manager_signs_in_with_totp_and_reads_a_resident_page(page, live_server, manager, house):
    cache.clear()
    resident = f.ResidentFactory(house=house)
    response = page.goto(f"/residents/{resident.pk}/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.fill("input[name=login]", manager.email)
    page.fill("input[name=password]", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/2fa/authenticate/**")
    page.fill("input[name=code]", totp_code(f.TOTP_SECRET))
    page.click("button[type=submit]")
    page.wait_for_url(f"**/residents/{resident.pk}/")
    page.get_by_text("Nobody has opened this record yet.").or_(
        page.locator(".access-log li")
    ).first.wait_for()
    screenshot(page, "privacy-resident-page-phone")
    assert page.console_errors == []


def test_a_manager_without_totp_is_led_to_set_it_up(page, live_server, house):
    cache.clear()
    manager = f.ManagerUserFactory(totp=False, email="new-manager@example.org")
    house.managers.add(manager)
    page.goto("/accounts/login/")
    page.fill("input[name=login]", manager.email)
    page.fill("input[name=password]", f.PASSWORD)
    page.click("button[type=submit]")
    # The gate sends them to set-up; allauth first confirms the password.
    page.wait_for_url("**/reauthenticate/**")
    page.fill("input[name=password]", f.PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/2fa/totp/activate/**")
    assert page.locator("img[src^='data:image/svg']").count() >= 1 or page.locator("svg").count()
    screenshot(page, "privacy-totp-setup-phone")
    assert page.console_errors == []


def test_admin_pages_run_under_the_csp(page, live_server, login_browser):
    admin = f.AdminUserFactory(is_staff=True, is_superuser=True)
    resident = f.ResidentFactory()
    login_browser(page, live_server, admin)
    for path in (
        f"/admin/residents/resident/{resident.pk}/change/",
        "/admin/residents/resident/add/",
        "/privacy/audit/",
        "/privacy/retention/",
        "/admin/",
        "/admin/mentoring_site/auditevent/",
        "/admin/mentoring_site/user/",
        f"/admin/mentoring_site/user/{admin.pk}/change/",
    ):
        response = page.goto(path)
        assert response.status == 200, path
        assert "content-security-policy" in response.headers
        page.wait_for_load_state("networkidle")
    screenshot(page, "privacy-admin-user-change")
    assert page.console_errors == []
