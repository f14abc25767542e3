// Contacts saved offline wait in IndexedDB until the server has them: the log form's fields as
// posted, keyed by their idempotency key (the server saves one contact per key, however often it
// arrives). Used by the pages (offline.js) and the service worker (sw.js): no DOM here.
(() => {
  "use strict";
  const DB = "peer-mentoring";
  const STORE = "outbox";

  const open = () =>
    new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "key" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });

  const run = (mode, work) =>
    open().then(
      (db) =>
        new Promise((resolve, reject) => {
          const tx = db.transaction(STORE, mode);
          const request = work(tx.objectStore(STORE));
          tx.oncomplete = () => resolve(request.result);
          tx.onerror = tx.onabort = () => reject(tx.error);
        }).finally(() => db.close()) // an open connection would block wipe()
    );

  // "sent": the server answered with the contact's confirmation page. "waiting": no connection,
  // signed out or a stale CSRF token (403): try later. "failed": the server refused the contact
  // (the form came back with an error, the pairing ended): the page makes it a draft again.
  const send = async (item, token) => {
    const body = new URLSearchParams(item.body);
    if (token) body.set("csrfmiddlewaretoken", token);
    let response;
    try {
      response = await fetch(item.url, { method: "POST", body, credentials: "same-origin" });
    } catch (e) {
      return "waiting";
    }
    const path = new URL(response.url).pathname;
    if (response.ok && /\/contacts\/\d+\/saved\/$/.test(path)) return "sent";
    if (response.status === 403 || path.startsWith("/accounts/")) return "waiting";
    return "failed";
  };

  const sendAll = async (token) => {
    const result = { sent: 0, waiting: 0, failed: 0 };
    for (const item of await Outbox.all()) {
      const outcome = item.failed ? "failed" : await send(item, token);
      result[outcome] += 1;
      if (outcome === "sent") await Outbox.remove(item.key);
      else if (outcome === "failed" && !item.failed) await Outbox.add({ ...item, failed: true });
    }
    return result;
  };

  let sending = null;
  const Outbox = {
    SYNC_TAG: "send-contacts",
    add: (item) => run("readwrite", (store) => store.put(item)),
    all: () => run("readonly", (store) => store.getAll()),
    remove: (key) => run("readwrite", (store) => store.delete(key)),
    // Sends what waits; resolves to counts {sent, waiting, failed}. One flush at a time per
    // phone (a Web Lock shared with the service worker), so nothing is posted twice at once.
    flush(token) {
      const locks = self.navigator.locks;
      sending =
        sending ||
        (locks ? locks.request("outbox", () => sendAll(token)) : sendAll(token)).finally(() => {
          sending = null;
        });
      return sending;
    },
    wipe: () =>
      new Promise((resolve) => {
        const request = indexedDB.deleteDatabase(DB);
        request.onsuccess = request.onerror = request.onblocked = () => resolve();
      }),
  };
  self.PeerOutbox = Outbox;
})();
