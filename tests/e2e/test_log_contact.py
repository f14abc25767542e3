"""A mentor on a phone (375x812): logs a contact in two taps, never loses a draft, sees crisis
guidance for an urgent concern; the phone pages stay under 60 KB compressed on first load,
service worker and manifest included."""

import gzip

import pytest
from django.conf import settings
from django.urls import reverse

from activity_log.models import ContactLog
from mentoring_site import offline
from tests import factories as f
from tests.activity_log.contact_support import pairing_for
from tests.conftest import screenshot

pytestmark = pytest.mark.browser

# With the service worker, the manifest and the worker's shell (issue 19).
BUDGET_BYTES = 60 * 1024


@pytest.fixture
def pairing(mentor, house):
    resident = f.ResidentFactory(house=house, preferred_name="Robin")
    return pairing_for(mentor, house=house, resident=resident)


def _no_overflow(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is wider than the phone: {width}px"


def test_a_mentor_logs_a_contact_in_two_taps(page, live_server, login_browser, mentor, pairing):
    login_browser(page, live_server, mentor.user)
    page.goto("/my/")
    assert page.get_by_text("Robin").is_visible()
    _no_overflow(page)
    screenshot(page, "log-1-my-mentees")
    page.get_by_role("link", name="Log contact").click()  # tap 1
    page.wait_for_url(f"**/my/pairings/{pairing.pk}/log/")
    _no_overflow(page)
    screenshot(page, "log-2-form")
    page.get_by_role("button", name="Save contact").click()  # tap 2
    page.wait_for_url("**/saved/")
    assert page.locator("h1").inner_text() == "Contact saved"
    contact = ContactLog.objects.get()
    assert (contact.method, contact.duration_minutes) == ("in_person", 30)
    screenshot(page, "log-3-saved")
    assert page.console_errors == []


def test_chips_are_tappable_and_saved(page, live_server, login_browser, mentor, pairing):
    login_browser(page, live_server, mentor.user)
    page.goto(reverse("activity_log:contact_new", args=[pairing.pk]))
    page.locator("label", has_text="Phone").click()
    page.locator("label", has_text="Housing").click()
    page.locator(".wellbeing label", has_text="4").click()
    page.get_by_role("button", name="Save contact").click()
    page.wait_for_url("**/saved/")
    contact = ContactLog.objects.get()
    assert contact.method == "phone"
    assert contact.wellbeing == 4
    assert [t.slug for t in contact.topics.all()] == ["housing"]
    assert page.console_errors == []


def test_a_draft_survives_a_reload_and_is_cleared_once_saved(
    page, live_server, login_browser, mentor, pairing
):
    login_browser(page, live_server, mentor.user)
    url = reverse("activity_log:contact_new", args=[pairing.pk])
    page.goto(url)
    page.fill("textarea[name=notes]", "Talked about the new job and the bus pass.")
    page.locator("label", has_text="Work or school").click()
    page.reload()
    assert page.input_value("textarea[name=notes]") == "Talked about the new job and the bus pass."
    assert page.locator("input[name=topics][value]:checked").count() == 1
    assert page.locator("[data-draft-note]").is_visible()
    screenshot(page, "log-draft-restored")
    page.get_by_role("button", name="Save contact").click()
    page.wait_for_url("**/saved/")
    key = f"contact-draft:{pairing.pk}"
    assert page.evaluate(f"window.localStorage.getItem('{key}')") is None
    assert ContactLog.objects.get().notes == "Talked about the new job and the bus pass."
    page.goto(url)
    assert page.input_value("textarea[name=notes]") == ""
    assert page.console_errors == []


def test_a_draft_survives_a_dropped_connection(page, live_server, login_browser, mentor, pairing):
    login_browser(page, live_server, mentor.user)
    url = reverse("activity_log:contact_new", args=[pairing.pk])
    notes = "Typed on the bus; the signal dropped as I pressed save."
    page.goto(url)
    page.fill("textarea[name=notes]", notes)
    page.locator("label", has_text="Phone").click()
    # The phone still thinks it is online (a phone that knows it is offline keeps the contact
    # to send later: tests/e2e/test_offline.py), but the POST never reaches the server.
    page.route(
        f"**{url}",
        lambda route: (
            route.abort("internetdisconnected")
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    page.get_by_role("button", name="Save contact").click()
    # The browser shows its own offline error page.
    page.wait_for_url("chrome-error://**")
    assert not ContactLog.objects.exists()
    page.unroute(f"**{url}")
    page.goto(url)
    assert page.input_value("textarea[name=notes]") == notes
    assert page.locator("input[name=method][value=phone]").is_checked()
    assert page.locator("[data-draft-note]").is_visible()
    screenshot(page, "log-draft-after-offline")
    page.get_by_role("button", name="Save contact").click()
    page.wait_for_url("**/saved/")
    contact = ContactLog.objects.get()
    assert (contact.notes, contact.method) == (notes, "phone")
    key = f"contact-draft:{pairing.pk}"
    assert page.evaluate(f"window.localStorage.getItem('{key}')") is None
    page.goto(url)
    assert page.input_value("textarea[name=notes]") == ""
    assert not page.locator("[data-draft-note]").is_visible()


def test_a_save_whose_answer_is_lost_is_not_saved_twice(
    page, live_server, login_browser, mentor, pairing
):
    login_browser(page, live_server, mentor.user)
    url = reverse("activity_log:contact_new", args=[pairing.pk])

    def lose_the_answer(route):
        route.fetch()  # the server saves the contact...
        route.abort("internetdisconnected")  # ...but the phone never hears back

    page.goto(url)
    page.fill("textarea[name=notes]", "Saved, but the answer was lost.")
    page.route(f"**{url}", lose_the_answer)
    page.get_by_role("button", name="Save contact").click()
    page.wait_for_url("chrome-error://**")
    page.unroute(f"**{url}")
    assert ContactLog.objects.count() == 1
    page.goto(url)  # the draft is back, with the same idempotency key
    assert page.input_value("textarea[name=notes]") == "Saved, but the answer was lost."
    page.get_by_role("button", name="Save contact").click()
    page.wait_for_url("**/saved/")
    assert ContactLog.objects.get().notes == "Saved, but the answer was lost."
    key = f"contact-draft:{pairing.pk}"
    assert page.evaluate(f"window.localStorage.getItem('{key}')") is None


def test_a_draft_survives_an_expired_login(page, live_server, mentor, pairing):
    url = reverse("activity_log:contact_new", args=[pairing.pk])
    page.goto("/accounts/login/?next=" + url)
    page.fill("input[name=login]", "mentor@example.org")
    page.fill("input[name=password]", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{url}")
    page.fill("textarea[name=notes]", "Typed before the session ran out.")
    # The session expires while the mentor types (the CSRF cookie outlives it).
    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
    page.get_by_role("button", name="Save contact").click()
    page.wait_for_url("**/accounts/login/**")
    assert not ContactLog.objects.exists()
    page.fill("input[name=login]", "mentor@example.org")
    page.fill("input[name=password]", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{url}")
    assert page.input_value("textarea[name=notes]") == "Typed before the session ran out."
    page.get_by_role("button", name="Save contact").click()
    page.wait_for_url("**/saved/")
    assert ContactLog.objects.get().notes == "Typed before the session ran out."


def test_urgent_shows_crisis_guidance_before_saving(
    page, live_server, login_browser, mentor, pairing
):
    login_browser(page, live_server, mentor.user)
    page.goto(reverse("activity_log:contact_new", args=[pairing.pk]))
    guidance = page.locator("[data-crisis-guidance]")
    assert not guidance.is_visible()
    page.locator("label", has_text="Urgent").click()
    assert guidance.is_visible()
    assert "988" in guidance.inner_text() and "911" in guidance.inner_text()
    guidance.scroll_into_view_if_needed()
    _no_overflow(page)
    screenshot(page, "log-urgent-guidance")
    page.locator("label", has_text="None").click()
    assert not guidance.is_visible()
    assert not ContactLog.objects.exists()
    assert page.console_errors == []


def _first_load_bytes(page, live_server, path: str) -> dict[str, int]:
    """Compressed bytes per URL of a first visit: the page and what it loads, plus what making
    it an installable, offline app adds (the manifest, the service worker, and what the worker
    caches at install that the page itself did not load)."""
    responses = {}
    page.on("response", lambda response: responses.setdefault(response.url, response))
    page.goto(path, wait_until="networkidle")
    sizes = {url: len(gzip.compress(response.body())) for url, response in responses.items()}
    worker = offline.worker_config()
    extra = [reverse("web_manifest"), reverse("service_worker"), worker["outbox"], *worker["shell"]]
    for url in extra:
        if live_server.url + url not in sizes:
            response = page.request.get(live_server.url + url)
            assert response.ok, url
            sizes[live_server.url + url] = len(gzip.compress(response.body()))
    return sizes


@pytest.mark.parametrize(
    ("which", "mentees"),
    [("home", 1), ("home", 40), ("form", 1)],
    ids=["home-1", "home-40", "form"],
)
def test_phone_pages_weigh_under_60_kb_compressed_on_first_load(
    page, live_server, login_browser, mentor, house, pairing, which, mentees
):
    for i in range(1, mentees):
        # The heaviest rows: consent to share contact details, so each shows a Call link.
        resident = f.ResidentFactory(house=house, phone=f"555-010-{i:04d}")
        f.ConsentRecordFactory(resident=resident)
        pairing_for(mentor, house=house, resident=resident)
    login_browser(page, live_server, mentor.user)
    path = "/my/" if which == "home" else reverse("activity_log:contact_new", args=[pairing.pk])
    sizes = _first_load_bytes(page, live_server, path)
    names, total = list(sizes), sum(sizes.values())
    assert any("bootstrap.min.css" in n for n in names)
    assert any(n.endswith("/sw.js") for n in names)
    assert any(n.endswith("/manifest.webmanifest") for n in names)
    assert not any("bootstrap.bundle" in n for n in names)
    if which == "home":
        assert page.get_by_role("link", name="Log contact").count() == mentees
        assert page.locator("a[href^='tel:']").count() == mentees - 1
    label = f"{which} ({mentees} mentee{'s' if mentees > 1 else ''})"
    print(f"{label}: {total / 1024:.1f} KB compressed over {len(names)} responses")
    for url, size in sorted(sizes.items(), key=lambda item: -item[1]):
        print(f"  {size / 1024:5.1f} KB  {url.removeprefix(live_server.url)}")
    assert total <= BUDGET_BYTES, f"{label} weighs {total / 1024:.1f} KB compressed"
