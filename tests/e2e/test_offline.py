"""A mentor's phone without a connection (375x812, Chromium's offline emulation): My mentees and
a log form open from the service worker's cache with an "offline" banner, a contact saved
offline waits on the phone and is sent once when the connection returns, and signing out leaves
no resident's name in the cache or the outbox. Staff pages are never cached."""

import re

import pytest
from django.urls import reverse

from activity_log.models import ContactLog
from mentoring_site import offline
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
    screenshot(page, "offline-1-log-form-from-cache")
    page.fill("textarea[name=notes]", "Met at the bus stop; no signal there.")
    page.locator("label", has_text="Phone").click()
    page.get_by_role("button", name="Save contact").click()
    status = page.locator("[data-outbox-status]")
    status.wait_for()
    assert status.inner_text() == "1 contact waiting to send"
    # The form is empty again, ready for another contact; the draft went into the outbox.
    assert page.input_value("textarea[name=notes]") == ""
    assert page.evaluate(f"localStorage.getItem('contact-draft:{pairing.pk}')") is None
    screenshot(page, "offline-2-waiting-to-send")
    assert not ContactLog.objects.exists()

    page.context.set_offline(False)
    wait_for(lambda: status.inner_text() == "1 contact sent", timeout=10)
    screenshot(page, "offline-3-sent")
    contact = ContactLog.objects.get()
    assert (contact.notes, contact.method) == ("Met at the bus stop; no signal there.", "phone")
    assert contact.created_by == mentor.user
    # Nothing is left to send, and another page load sends nothing again.
    page.goto("/my/")
    page.wait_for_load_state("networkidle")
    assert ContactLog.objects.count() == 1
    assert "Robinette" not in page.evaluate(
        "async () => JSON.stringify(await PeerOutbox.all())"
    )


@pytest.mark.allow_console_errors(*OFFLINE_ERRORS, "ERR_FAILED")
def test_signing_out_leaves_no_name_on_the_phone(
    page, live_server, login_browser, mentor, pairing
):
    form = _visit_online(page, live_server, login_browser, mentor, pairing)
    page.context.set_offline(True)
    page.goto(form)
    page.fill("textarea[name=notes]", f"{NAME} asked about the job fair.")
    page.get_by_role("button", name="Save contact").click()
    page.locator("[data-outbox-status]").wait_for()
    page.fill("textarea[name=notes]", f"A draft about {NAME}")
    # Back online, but the server cannot be reached: the contact stays in the outbox.
    page.context.route(
        f"**{form}",
        lambda route: route.abort() if route.request.method == "POST" else route.continue_(),
    )
    page.context.set_offline(False)
    page.wait_for_timeout(300)
    before = page.evaluate(DUMP_STORAGE)
    assert NAME in before
    page.once("dialog", lambda dialog: dialog.accept())  # "1 contact not sent yet ..."
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")
    after = page.evaluate(DUMP_STORAGE)
    assert NAME not in after
    assert "job fair" not in after
    assert not ContactLog.objects.exists()
