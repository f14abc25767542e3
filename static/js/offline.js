// Offline, the page side (README "On the phone"). Words: English here, else base.html's data-w-*.
(() => {
  "use strict";
  const tag = document.currentScript;
  const user = tag.dataset.user;
  const scope = tag.dataset.scope;
  const outbox = window.PeerOutbox;
  if (!outbox || !window.indexedDB || !window.caches) return;
  const store = (() => {
    try {
      return window.localStorage;
    } catch (e) {
      return null;
    }
  })();
  const savedAt = document.body.dataset.offlineAt;
  const loadedAt = new Date();
  const w = (name, en, n) => (tag.dataset[name] || en).replace(/\{\w+\}/, n);
  const counted = (name, n, one, many) =>
    n === 1 ? w(name + "One", one, n) : w(name + "Many", many, n);
  const two = (n) => String(n).padStart(2, "0");
  let shownWaiting = 0;

  function notice(name, kind) {
    let el = document.querySelector(`[data-${name}]`);
    if (!el) {
      el = document.createElement("p");
      el.setAttribute(`data-${name}`, "");
      el.setAttribute("role", "status");
      const main = document.getElementById("main") || document.body;
      main.prepend(el);
    }
    el.className = "alert py-2 " + kind;
    el.hidden = false;
    return el;
  }

  function showConnection() {
    const when = savedAt ? new Date(Number(savedAt)) : loadedAt;
    const time = two(when.getHours()) + ":" + two(when.getMinutes());
    if (!navigator.onLine) {
      notice("offline-banner", "alert-warning").textContent = w(
        "wOffline",
        "Offline, last updated {time}",
        time,
      );
    } else if (savedAt) {
      notice("offline-banner", "alert-secondary").textContent = w(
        "wBack",
        "Back online. This copy is from {time}: reload for the latest.",
        time,
      );
    } else {
      const banner = document.querySelector("[data-offline-banner]");
      if (banner) banner.hidden = true;
    }
  }

  function returnToDraft(item) {
    const el = notice("outbox-failed", "alert-danger");
    el.textContent = w("wFailed", "A contact could not be sent.") + " ";
    const link = el.appendChild(document.createElement("a"));
    link.href = item.url;
    link.className = "alert-link";
    link.textContent = w("wOpen", "Open it to check");
    if (!store || store.getItem(item.draftKey)) return null;
    store.setItem(item.draftKey, JSON.stringify({ savedAt: Date(), fields: item.fields }));
    return outbox.remove(item.key);
  }

  async function refresh() {
    const items = await outbox.all();
    const failed = items.filter((item) => item.failed);
    const waiting = items.length - failed.length;
    const sent = Math.max(shownWaiting - waiting - failed.length, 0);
    const parts = [];
    if (sent) parts.push(counted("wSent", sent, "{n} contact sent", "{n} contacts sent"));
    if (waiting) {
      parts.push(
        counted("wWaiting", waiting, "{n} contact waiting to send", "{n} contacts waiting to send"),
      );
    }
    if (parts.length) {
      const kind = waiting ? "alert-info" : "alert-success";
      notice("outbox-status", kind).textContent = parts.join(", ");
    }
    shownWaiting = waiting;
    await Promise.all(failed.map(returnToDraft));
  }

  function flush() {
    if (!user || !navigator.onLine) return Promise.resolve();
    const token = document.querySelector("input[name=csrfmiddlewaretoken]");
    return outbox.flush(token && token.value).then(refresh, refresh);
  }

  function randomKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; // version 4
    b[8] = (b[8] & 63) | 128;
    const h = Array.from(b, (n) => two(n.toString(16))).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  window.PeerOffline = {
    randomKey,
    queue(form, fields) {
      const data = new FormData(form);
      const item = {
        key: data.get("idempotency_key"),
        url: new URL(form.action, location.href).pathname,
        body: new URLSearchParams(data).toString(),
        draftKey: form.dataset.draftKey,
        fields,
      };
      return outbox.add(item).then(() => {
        Promise.resolve(navigator.serviceWorker && navigator.serviceWorker.getRegistration(scope))
          .then((registration) => registration.sync.register(outbox.SYNC_TAG))
          .catch(() => null);
        return refresh();
      });
    },
  };

  function wipe() {
    if (store) {
      Object.keys(store)
        .filter((key) => key.startsWith("contact-draft:"))
        .forEach((key) => store.removeItem(key));
    }
    const names = caches.keys().then((all) => Promise.all(all.map((name) => caches.delete(name))));
    return Promise.all([names, outbox.wipe()]).catch(() => null);
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (event.defaultPrevented || new URL(form.action).pathname !== tag.dataset.logout) return;
    event.preventDefault();
    const items = await outbox.all().catch(() => []);
    const question = counted(
      "wSignOut",
      items.length,
      "{n} contact not sent yet will be deleted. Sign out anyway?",
      "{n} contacts not sent yet will be deleted. Sign out anyway?",
    );
    if (items.length && !window.confirm(question)) return;
    document.documentElement.setAttribute("data-signing-out", ""); // log_form.js saves no draft
    await Promise.race([wipe(), new Promise((resolve) => setTimeout(resolve, 3000))]);
    form.submit();
  });

  showConnection();
  window.addEventListener("offline", showConnection);
  window.addEventListener("online", () => {
    showConnection();
    flush();
  });
  if (!user) {
    caches.delete("pages");
    return;
  }
  const owner = store && store.getItem("offline-owner");
  (owner && owner !== user ? wipe() : Promise.resolve()).then(() => {
    if (store) store.setItem("offline-owner", user);
    if (navigator.serviceWorker) {
      navigator.serviceWorker.addEventListener("message", (event) => {
        if (event.data === "outbox-changed") refresh();
      });
      navigator.serviceWorker.register(tag.dataset.sw, { scope }).catch(() => {
      });
    }
    return refresh().then(flush);
  });
})();
