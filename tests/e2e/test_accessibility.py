"""Every page passes axe-core 4.14 (WCAG 2.1 A and AA) with no serious or critical violation,
at 375x812 and at 1366x900, for each role: anonymous (sign-in, password reset, the staff
two-factor step, the resident's feedback and self-check links), mentor, manager and program admin.

The walk reaches the pages the production smoke crawl reaches (.ci/production_smoke.py: every
menu link and one level below) on the demo data set, one page per URL shape, in one browser.
A failure prints role, width, URL path, rule id and the target selector.

Languages: the walk runs once per language in settings.LANGUAGES (English alone while the site
has no LANGUAGES of its own), asking for it with Accept-Language and Django's language cookie
(anonymous pages) and each user's preferred language (`use_language`); every page's <html lang>
must name it. The first language is checked at both widths; the others at phone width only:
what a width changes (layout, what is shown or hidden, colours) is the same in every language,
and what a language changes (lang, translated names and labels) is the same at every width, so
a second width in a second language adds little and costs ~60 s (axe-core takes ~0.45 s a page
and width on the CI machine). The summary line prints the widths each language was checked at.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command

from mentoring_site.models import User
from tests.e2e.a11y_support import DESKTOP, PHONE, Walk
from tests.privacy.totp import totp_code

pytestmark = pytest.mark.browser

LANGUAGES = (
    [code for code, _name in settings.LANGUAGES] if settings.is_overridden("LANGUAGES") else ["en"]
)
DEMO_PASSWORD = "recovery-demo"  # noqa: S105 - the demo accounts' documented password
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"
# Pages each role's walk must reach (a regular expression on the path), so a walk that stops
# early cannot pass.
MUST_SEE = {
    "anonymous": [r"^/accounts/login/$", r"^/f/[^/]+/$", r"^/f/r/[^/]+/$"],
    "mentor": [
        r"^/my/$",
        r"^/my/pairings/\d+/log/$",
        r"^/my/progress/$",
        r"^/mentors/me/profile/$",
    ],
    "manager": [r"^/dashboard/$", r"^/residents/\d+/$", r"^/matching/\d+/$", r"^/mentors/\d+/$"],
    "admin": [r"^/dashboard/$", r"^/privacy/audit/$", r"^/privacy/retention/$", r"^/admin/$"],
}
ROLES = [
    ("mentor", "mentor@example.com"),
    ("manager", "manager@example.com"),
    ("admin", "admin@example.com"),
]


@pytest.fixture
def demo(live_server, settings):
    settings.DEBUG = True  # seed_demo refuses to run otherwise
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.DEBUG = False
    cache.clear()  # sign-in rate limits from other tests


def use_language(user, language: str) -> None:
    """Sets the user's preferred language, where profiles have one (issue 20, i18n part)."""
    if hasattr(user, "preferred_language"):
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])


def resident_links() -> list[str]:
    """A fresh feedback link and a self-check link for a demo resident (anonymous pages)."""
    from activity_log.feedback import services
    from activity_log.feedback.models import FeedbackRequest
    from matching.models import Pairing

    pairing = Pairing.objects.filter(ended_on__isnull=True).order_by("pk").first()
    request = services.feedback_request_create(
        pairing=pairing, trigger=FeedbackRequest.Trigger.MANUAL, period=0
    )
    feedback = services.feedback_link_issue(request=request)
    manager = User.objects.get(email="manager@example.com")
    check = services.assessment_link_issue(resident=pairing.resident, by=manager)
    return [f"/f/{feedback}/", f"/f/r/{check}/"]


def sign_in_through_the_form(page, walk: Walk, email: str) -> None:
    """The real sign-in form and the staff two-factor step, each checked with axe on the way."""
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form", has=page.locator("input[name=login]")).locator(
        "[type=submit]"
    ).first.click()
    page.wait_for_load_state("load")
    if page.locator("input[name=code]").count():
        walk.visited.append("/accounts/2fa/authenticate/")
        walk.check(page, "anonymous (two-factor step)")
        page.fill("input[name=code]", totp_code(DEMO_TOTP_SECRET))
        page.locator("form", has=page.locator("input[name=code]")).locator(
            "[type=submit]"
        ).first.click()
        page.wait_for_load_state("load")
    assert page.locator("#main-nav").count(), f"{email} did not get past sign-in: {page.url}"


def _context(browser, live_server, language: str):
    context = browser.new_context(
        viewport=PHONE, base_url=live_server.url, bypass_csp=True, locale=language
    )
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    return context


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_passes_axe_for_every_role(browser, live_server, demo, language):
    widths = (PHONE, DESKTOP) if language == LANGUAGES[0] else (PHONE,)
    walk = Walk(live_server.url, language, viewports=widths)
    visited_by: dict[str, int] = {}
    # Anonymous: the sign-in page and what it links to, and the resident's own links.
    context = _context(browser, live_server, language)
    page = context.new_page()
    page.set_default_timeout(15_000)
    walk.crawl(page, "/accounts/login/", "anonymous")
    for url in resident_links():
        walk.visit(page, live_server.url + url, "anonymous (resident link)")
    visited_by["anonymous"] = list(walk.visited)
    context.close()

    for role, email in ROLES:
        use_language(User.objects.get(email=email), language)
        context = _context(browser, live_server, language)
        page = context.new_page()
        page.set_default_timeout(15_000)
        before = len(walk.visited)
        sign_in_through_the_form(page, walk, email)
        walk.crawl(page, "/", role)
        visited_by[role] = walk.visited[before:]
        context.close()

    counts = {role: len(paths) for role, paths in visited_by.items()}
    widths_said = " and ".join(f"{w['width']}px" for w in widths)
    print(f"\naxe walk ({language}, {widths_said}): pages checked per role {counts}")
    print("  " + "\n  ".join(sorted(set(walk.visited))))
    for reason, shapes in walk.left_out.items():
        print(f"  left out ({reason}): {len(shapes)} page shapes, e.g. {sorted(shapes)[:3]}")
    if walk.not_pages:
        print(f"  not pages (downloads, not checked): {sorted(set(walk.not_pages))}")
    for role, patterns in MUST_SEE.items():
        for pattern in patterns:
            assert any(re.search(pattern, path) for path in visited_by[role]), (
                f"the walk as {role} never reached {pattern}: {visited_by[role]}"
            )
    assert len(set(walk.visited)) >= 30, f"the walk reached too few pages: {walk.visited}"
    assert not walk.problems, walk.report()
