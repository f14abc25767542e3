// The mentor's service worker, served at /sw.js after CONFIG (mentoring_site/offline.py). The
// shell is cached at install. Only the allow-listed mentor pages are cached (network first; the
// last copy, marked with its time, when offline): never a staff page, never a POST. Background
// Sync sends the contacts waiting in the outbox.
/* global CONFIG, PeerOutbox */
importScripts(CONFIG.outbox);
const SHELL = "shell-" + CONFIG.version;
const PAGES = "pages";
const patterns = CONFIG.pages.map((p) => new RegExp(p));
const isMentorPage = (url) => !url.search && patterns.some((re) => re.test(url.pathname));

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.addAll(CONFIG.shell))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  const old = (name) => name.startsWith("shell-") && name !== SHELL;
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter(old).map((name) => caches.delete(name))))
      .then(() => self.clients.claim())
  );
});

async function remember(request, response) {
  // Kept: the type and the Content-Security-Policy, plus the time for the "offline" banner.
  const headers = { "Content-Type": response.headers.get("Content-Type"), "X-Saved-At": Date.now() };
  const csp = response.headers.get("Content-Security-Policy");
  if (csp) headers["Content-Security-Policy"] = csp;
  const cache = await caches.open(PAGES);
  await cache.put(request.url, new Response(await response.text(), { headers }));
}

async function offlineCopy(request) {
  const hit = await (await caches.open(PAGES)).match(request.url);
  if (!hit) {
    const words = CONFIG.offline; // in the person's language, escaped by the server
    const page = `<!DOCTYPE html><html lang="${words.lang}"><meta charset="utf-8">
      <meta name="viewport" content="width=device-width"><title>${words.title}</title>
      <main><h1>${words.title}</h1><p>${words.text}</p><p><a href="${CONFIG.home}">${words.home}</a></p></main>`;
    const headers = { "Content-Type": "text/html", "Content-Security-Policy": "default-src 'none'" };
    return new Response(page, { status: 503, headers });
  }
  // offline.js shows "Offline, last updated HH:MM" from this attribute.
  const mark = `<body data-offline-at="${hit.headers.get("X-Saved-At")}"`;
  return new Response((await hit.text()).replace("<body", mark), { headers: hit.headers });
}

async function networkFirst(event) {
  let response;
  try {
    response = await fetch(event.request);
  } catch (e) {
    return offlineCopy(event.request);
  }
  if (response.ok && !response.redirected) {
    event.waitUntil(remember(event.request, response.clone()));
  } else if (response.status === 403 || response.status === 404) {
    // The pairing ended, or the page is no longer this person's: the copy goes too.
    event.waitUntil(caches.open(PAGES).then((cache) => cache.delete(event.request.url)));
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.startsWith(CONFIG.static)) {
    event.respondWith(caches.match(request, { cacheName: SHELL }).then((hit) => hit || fetch(request)));
  } else if (request.mode === "navigate" && isMentorPage(url)) {
    event.respondWith(networkFirst(event));
  }
});

self.addEventListener("sync", (event) => {
  if (event.tag !== PeerOutbox.SYNC_TAG) return;
  const send = async () => {
    const result = await PeerOutbox.flush(null);
    for (const page of await self.clients.matchAll({ includeUncontrolled: true })) {
      page.postMessage("outbox-changed");
    }
    // A rejection asks the browser to try again later.
    if (result.waiting) throw new Error("contacts still waiting");
  };
  event.waitUntil(send());
});
