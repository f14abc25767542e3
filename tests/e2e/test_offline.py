"""A mentor's phone without a connection (375x812, Chromium's offline emulation): My mentees and
a log form open from the service worker's cache with an "offline" banner, a contact saved
offline waits on the phone and is sent once when the connection returns, and signing out leaves
no resident's name in the cache or the outbox. Staff pages are never cached."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.models import ContactLog
from tests import factories as f
from tests.activity_log.contact_support import pairing_for
from tests.conftest import screenshot, wait_for

pytestmark = pytest.mark.browser

NAME = "Robinette"
# Offline, My mentees' "today's groups" slot (htmx, on load) cannot be fetched; that is all.
OFFLINE_ERRORS = ("htmx:", "ERR_INTERNET_DISCONNECTED")

# Everything the site keeps on the phone, as text: Cache Storage (URLs and bodies), the
# IndexedDB outbox, localStorage.
DUMP_STORAGE = """async () => {
  const out = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      out.push("cache " + name + " " + request.url);
      const response = await cache.match(request);
      out.push(await response.clone().text());
    }
  }
  const dbs = indexedDB.databases ? await indexedDB.databases() : [];
  for (const info of dbs) {
    const db = await new Promise((ok, no) => {
      const r = indexedDB.open(info.name);
      r.onsuccess = () => ok(r.result);
      r.onerror = () => no(r.error);
    });
    for (const store of db.objectStoreNames) {
      const rows = await new Promise((ok) => {
        const r = db.transaction(store).objectStore(store).getAll();
        r.onsuccess = () => ok(r.result);
      });
      out.push("idb " + info.name + "/" + store + " " + JSON.stringify(rows));
    }
    db.close();
  }
  for (let i = 0; i < localStorage.length; i++) {
    out.push("ls " + localStorage.key(i) + " " + localStorage.getItem(localStorage.key(i)));
  }
  return out.join("\\n");
}"""

CACHED_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
  }
  return urls;
}"""


@pytest.fixture
def pairing(mentor, house):
    resident = f.ResidentFactory(house=house, preferred_name=NAME)
    return pairing_for(mentor, house=house, resident=resident)


def _cached_pages(page) -> list[str]:
    return [u for u in page.evaluate(CACHED_URLS) if "/static/" not in u]


def _visit_online(page, live_server, login_browser, mentor, pairing):
    """Signs in, lets the service worker take over, then visits My mentees and the log form."""
    login_browser(page, live_server, mentor.user)
    page.goto("/my/")
    # Installed, and in control of the page (clients.claim() on activation).
    wait_for(lambda: page.evaluate("navigator.serviceWorker.controller !== null"), timeout=10)
    form = reverse("activity_log:contact_new", args=[pairing.pk])
    # Controlled from now on: these visits go through the worker, which keeps a copy.
    page.goto("/my/")
    page.goto(form)
    wait_for(lambda: len(_cached_pages(page)) == 2, timeout=10)
    return form


@pytest.mark.allow_console_errors(*OFFLINE_ERRORS)
def test_a_contact_logged_offline_is_sent_once_when_back_online(
    page, live_server, login_browser, mentor, pairing
):
    form = _visit_online(page, live_server, login_browser, mentor, pairing)
    page.context.set_offline(True)
    page.goto("/my/")
    assert page.get_by_text(NAME).first.is_visible()
    banner = page.locator("[data-offline-banner]")
    assert re.fullmatch(r"Offline, last updated \d\d:\d\d", banner.inner_text())
    page.get_by_role("link", name="Log contact").click()
    page.wait_for_url(f"**{form}")
    assert banner.is_visible()
    queued_key = page.input_value("input[name=idempotency_key]")
    screenshot(page, "offline-1-log-form-from-cache")
    page.fill("textarea[name=notes]", "Met at the bus stop; no signal there.")
    page.locator("label", has_text="Phone").click()
    page.get_by_role("button", name="Save contact").click()
    status = page.locator("[data-outbox-status]")
    status.wait_for()
    assert status.inner_text() == "1 contact waiting to send"
    # The form is empty again, ready for another contact; the draft went into the outbox.
    assert page.input_value("textarea[name=notes]") == ""
    assert page.input_value("input[name=idempotency_key]") != queued_key
    assert page.evaluate(f"localStorage.getItem('contact-draft:{pairing.pk}')") is None
    screenshot(page, "offline-2-waiting-to-send")
    assert not ContactLog.objects.exists()

    page.context.set_offline(False)
    wait_for(lambda: status.inner_text() == "1 contact sent", timeout=10)
    screenshot(page, "offline-3-sent")
    contact = ContactLog.objects.get()
    assert (contact.notes, contact.method) == ("Met at the bus stop; no signal there.", "phone")
    assert contact.created_by == mentor.user
    assert str(contact.idempotency_key) == queued_key
    assert abs(contact.happened_at - timezone.now()) < dt.timedelta(minutes=3)
    # Nothing is left to send, and another page load sends nothing again.
    page.goto("/my/")
    page.wait_for_load_state("networkidle")
    assert ContactLog.objects.count() == 1
    assert "Robinette" not in page.evaluate("async () => JSON.stringify(await PeerOutbox.all())")


def _leave_a_name_on_the_phone(page, live_server, login_browser, mentor, pairing, *, draft):
    """Cached pages, a contact waiting in the outbox (the server cannot be reached), a draft."""
    form = _visit_online(page, live_server, login_browser, mentor, pairing)
    page.context.set_offline(True)
    page.goto(form)
    page.fill("textarea[name=notes]", f"{NAME} asked about the job fair.")
    page.get_by_role("button", name="Save contact").click()
    page.locator("[data-outbox-status]").wait_for()
    if draft:
        page.fill("textarea[name=notes]", f"A draft about {NAME}")
    page.context.route(
        f"**{form}",
        lambda route: route.abort() if route.request.method == "POST" else route.continue_(),
    )
    page.context.set_offline(False)
    page.wait_for_timeout(300)
    stored = page.evaluate(DUMP_STORAGE)
    assert stored.count(NAME) >= 3  # two cached pages and the outbox
    assert "cache pages" in stored and "idb peer-mentoring/outbox" in stored


def _strip_clear_site_data(route):
    response = route.fetch(max_redirects=0)
    headers = {k: v for k, v in response.headers.items() if k.lower() != "clear-site-data"}
    route.fulfill(response=response, headers=headers)


@pytest.mark.allow_console_errors(*OFFLINE_ERRORS, "ERR_FAILED")
def test_signing_out_leaves_no_name_on_the_phone(page, live_server, login_browser, mentor, pairing):
    _leave_a_name_on_the_phone(page, live_server, login_browser, mentor, pairing, draft=True)
    # The page's own clean-up, without the header's help.
    page.context.route("**/accounts/logout/", _strip_clear_site_data)
    page.once("dialog", lambda dialog: dialog.accept())  # "1 contact not sent yet ..."
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")
    after = page.evaluate(DUMP_STORAGE)
    assert NAME not in after
    assert "job fair" not in after
    assert not ContactLog.objects.exists()


@pytest.mark.allow_console_errors(*OFFLINE_ERRORS, "ERR_FAILED")
def test_the_sign_out_response_alone_clears_the_phone(
    page, live_server, login_browser, mentor, pairing
):
    _leave_a_name_on_the_phone(page, live_server, login_browser, mentor, pairing, draft=False)
    # No help from the pages' script: the sign-out form is sent without its submit handler,
    # and the signed-out page gets an empty offline.js.
    page.context.route(
        "**/static/js/offline.js",
        lambda route: route.fulfill(body="", content_type="text/javascript"),
    )
    page.evaluate("document.querySelector('form[action=\"/accounts/logout/\"]').submit()")
    page.wait_for_url("**/accounts/login/**")
    after = page.evaluate(DUMP_STORAGE)
    assert NAME not in after
    assert "cache pages" not in after and "idb peer-mentoring" not in after
    assert not ContactLog.objects.exists()


def test_staff_pages_and_other_mentor_pages_are_never_cached(
    page, live_server, login_browser, mentor, pairing, manager, house
):
    _visit_online(page, live_server, login_browser, mentor, pairing)
    page.goto(reverse("activity_log:my_progress"))
    page.goto(reverse("activity_log:pairing_history", args=[pairing.pk]))
    page.goto("/my/")
    page.wait_for_load_state("networkidle")
    assert sorted(u.removeprefix(live_server.url) for u in _cached_pages(page)) == [
        "/my/",
        reverse("activity_log:contact_new", args=[pairing.pk]),
    ]
    # A manager on the same phone (the worker is still there): the staff pages stay out.
    login_browser(page, live_server, manager)
    resident = pairing.resident
    for path in (
        reverse("activity_log:dashboard"),
        reverse("residents:detail", args=[resident.pk]),
        reverse("matching:detail", args=[pairing.pk]),
    ):
        response = page.goto(path)
        assert response.ok, path
    page.wait_for_load_state("networkidle")
    stored = page.evaluate(DUMP_STORAGE)
    # Another user on the phone: the mentor's copies went first, and no staff page was added.
    assert _cached_pages(page) == []
    assert "cache pages" not in stored and NAME not in stored


@pytest.mark.allow_console_errors(*OFFLINE_ERRORS)
def test_the_cached_form_gives_a_new_contact_its_own_key(
    page, live_server, login_browser, mentor, pairing
):
    """The log form was cached with the key of a contact then saved online: the next contact,
    logged offline on that cached copy, must not be taken for the first one."""
    form = _visit_online(page, live_server, login_browser, mentor, pairing)
    cached_key = page.input_value("input[name=idempotency_key]")
    page.fill("textarea[name=notes]", "Saved online")
    page.get_by_role("button", name="Save contact").click()
    page.wait_for_url("**/saved/")
    assert str(ContactLog.objects.get().idempotency_key) == cached_key
    page.context.set_offline(True)
    page.goto(form)
    assert page.locator("[data-offline-banner]").is_visible()
    assert page.input_value("input[name=idempotency_key]") != cached_key
    page.fill("textarea[name=notes]", "Logged offline")
    page.get_by_role("button", name="Save contact").click()
    status = page.locator("[data-outbox-status]")
    status.wait_for()
    page.context.set_offline(False)
    wait_for(lambda: status.inner_text() == "1 contact sent", timeout=10)
    assert sorted(ContactLog.objects.values_list("notes", flat=True)) == [
        "Logged offline",
        "Saved online",
    ]


@pytest.mark.allow_console_errors(*OFFLINE_ERRORS)
def test_a_queued_contact_the_server_refuses_comes_back_as_a_draft(
    page, live_server, login_browser, mentor, pairing
):
    form = _visit_online(page, live_server, login_browser, mentor, pairing)
    page.context.set_offline(True)
    page.goto(form)
    page.fill("textarea[name=notes]", "Long talk")
    page.fill("input[name=duration_minutes]", "900")  # over the 600-minute limit
    page.get_by_role("button", name="Save contact").click()
    page.locator("[data-outbox-status]").wait_for()
    page.context.set_offline(False)
    failed = page.locator("[data-outbox-failed]")
    failed.wait_for()
    assert failed.inner_text() == "A contact could not be sent. Open it to check"
    assert not ContactLog.objects.exists()
    failed.get_by_role("link", name="Open it to check").click()
    page.wait_for_url(f"**{form}")
    assert page.locator("[data-draft-note]").is_visible()
    assert page.input_value("textarea[name=notes]") == "Long talk"
    assert page.input_value("input[name=duration_minutes]") == "900"
    page.fill("input[name=duration_minutes]", "90")
    page.get_by_role("button", name="Save contact").click()
    page.wait_for_url("**/saved/")
    contact = ContactLog.objects.get()
    assert (contact.notes, contact.duration_minutes) == ("Long talk", 90)
    assert page.evaluate("async () => (await PeerOutbox.all()).length") == 0


def test_without_a_service_worker_the_page_sends_on_online_or_the_next_load(
    browser, live_server, login_browser, mentor, pairing
):
    """No Background Sync to rely on: the page itself sends when the phone is back online and,
    failing that, on the next page load."""
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, base_url=live_server.url, service_workers="block"
    )
    try:
        page = context.new_page()
        login_browser(page, live_server, mentor.user)
        form = reverse("activity_log:contact_new", args=[pairing.pk])
        page.goto(form)
        assert page.evaluate("navigator.serviceWorker.controller") is None
        context.set_offline(True)
        page.fill("textarea[name=notes]", "First")
        page.get_by_role("button", name="Save contact").click()
        status = page.locator("[data-outbox-status]")
        wait_for(lambda: status.inner_text() == "1 contact waiting to send", timeout=10)
        page.fill("textarea[name=notes]", "Second")
        page.get_by_role("button", name="Save contact").click()
        wait_for(lambda: status.inner_text() == "2 contacts waiting to send", timeout=10)
        # Back online, but the first try fails: both stay waiting.
        context.route(f"**{form}", lambda route: route.abort())
        context.set_offline(False)
        page.wait_for_timeout(500)
        assert status.inner_text() == "2 contacts waiting to send"
        assert not ContactLog.objects.exists()
        context.unroute(f"**{form}")
        page.goto("/my/")
        wait_for(lambda: page.locator("[data-outbox-status]").inner_text() == "2 contacts sent")
        assert sorted(ContactLog.objects.values_list("notes", flat=True)) == ["First", "Second"]
    finally:
        context.close()


@pytest.mark.allow_console_errors(*OFFLINE_ERRORS, "503")
def test_a_page_not_saved_on_the_phone_says_so_in_the_mentors_language(
    page, live_server, login_browser, mentor, pairing
):
    mentor.user.preferred_language = "es"
    mentor.user.save(update_fields=["preferred_language"])
    _visit_online(page, live_server, login_browser, mentor, pairing)
    page.context.set_offline(True)
    # A log form the worker may cache, but never saw on this phone.
    response = page.goto(reverse("activity_log:contact_new", args=[pairing.pk + 1000]))
    assert response.status == 503
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.title() == "Sin conexión"
    # A page like the others for a screen reader: a main landmark with a heading.
    assert page.locator("main h1").inner_text() == "Sin conexión"
    assert page.locator("main p").first.inner_text() == (
        "No hay conexión, y esta página no está guardada en este teléfono."
    )
    screenshot(page, "offline-page-not-saved-es")
    page.get_by_role("link", name="Mis mentorados").click()
    page.wait_for_url("**/my/")
    # My mentees from the phone's copy, in Spanish, with the "offline" banner.
    assert page.get_by_text(NAME).first.is_visible()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("[data-offline-banner]").inner_text().startswith("Sin conexión")
