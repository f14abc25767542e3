// The page side of working offline (no inline scripts: the CSP forbids them). Loaded after
// outbox.js by base.html, whose <script> tag carries data-user, data-sw, data-scope, data-logout.
// - Registers the service worker (static/js/sw.js, served at /sw.js) for a signed-in user.
// - A page the service worker answered from its cache says "Offline, last updated HH:MM".
// - The log form (log_form.js) hands an offline save to PeerOffline.queue; queued contacts are
//   sent when the connection returns (Background Sync where the browser has it, else the next
//   page load or `online` event): "1 contact waiting to send", then "1 contact sent".
// - Signing out first deletes the cached pages, the outbox and the drafts (the sign-out response
//   also sends Clear-Site-Data). A page for another user, or a signed-out page, cleans up first.
(function () {
  "use strict";
  var script = document.currentScript;
  var user = script.getAttribute("data-user") || "";
  var scope = script.getAttribute("data-scope");
  var outbox = window.PeerOutbox;
  var OWNER = "offline-owner";
  var loadedAt = new Date();
  var shownWaiting = 0;
  if (!outbox || !("indexedDB" in window) || !("caches" in window)) return;

  function storage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null;
    }
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function plural(n) {
    return n + (n === 1 ? " contact" : " contacts");
  }

  function notice(name, kind) {
    var el = document.querySelector("[data-" + name + "]");
    if (!el) {
      el = document.createElement("p");
      el.setAttribute("data-" + name, "");
      el.setAttribute("role", "status");
      var main = document.getElementById("main") || document.body;
      main.insertBefore(el, main.firstChild);
    }
    el.className = "alert py-2 " + kind;
    el.hidden = false;
    return el;
  }

  // --- The "offline" banner ---------------------------------------------------------------
  var savedAt = document.body.getAttribute("data-offline-at");

  function showConnection() {
    var when = savedAt ? new Date(Number(savedAt)) : loadedAt;
    var time = pad(when.getHours()) + ":" + pad(when.getMinutes());
    if (!navigator.onLine) {
      notice("offline-banner", "alert-warning").textContent = "Offline, last updated " + time;
    } else if (savedAt) {
      notice("offline-banner", "alert-secondary").textContent =
        "Back online. This copy is from " + time + ": reload for the latest.";
    } else {
      var banner = document.querySelector("[data-offline-banner]");
      if (banner) banner.hidden = true;
    }
  }

  // --- Contacts waiting to send -----------------------------------------------------------
  function currentToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : null;
  }

  // The server refused a queued contact (the form had an error, the pairing ended): it goes
  // back into the log form's draft, unless the mentor has started another one there.
  function returnToDraft(item) {
    var s = storage();
    if (s && item.draftKey && !s.getItem(item.draftKey)) {
      s.setItem(item.draftKey, JSON.stringify({ savedAt: new Date().toISOString(), fields: item.fields }));
    }
    var el = notice("outbox-failed", "alert-danger");
    el.textContent = "A contact could not be sent. ";
    var link = document.createElement("a");
    link.href = item.url;
    link.className = "alert-link";
    link.textContent = "Open it to check";
    el.appendChild(link);
    return outbox.remove(item.key);
  }

  function refresh() {
    return outbox.all().then(function (items) {
      var failed = items.filter(function (item) {
        return item.failed;
      });
      var waiting = items.length - failed.length;
      var sent = Math.max(shownWaiting - waiting - failed.length, 0);
      var parts = [];
      if (sent) parts.push(plural(sent) + " sent");
      if (waiting) parts.push(plural(waiting) + " waiting to send");
      if (parts.length) {
        notice("outbox-status", waiting ? "alert-info" : "alert-success").textContent =
          parts.join(", ");
      }
      shownWaiting = waiting;
      return Promise.all(failed.map(returnToDraft));
    });
  }

  function flush() {
    if (!user || !navigator.onLine) return Promise.resolve();
    return outbox.flush(currentToken()).then(refresh, refresh);
  }

  function syncLater() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker
      .getRegistration(scope)
      .then(function (registration) {
        if (registration && registration.sync) return registration.sync.register(outbox.SYNC_TAG);
        return null;
      })
      .catch(function () {
        // No Background Sync: the next page load or `online` event sends it.
      });
  }

  function randomKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var hex = Array.prototype.map.call(b, function (x) {
      return (x + 256).toString(16).slice(1);
    });
    return [0, 4, 6, 8, 10]
      .map(function (start, i, all) {
        return hex.slice(start, all[i + 1] || 16).join("");
      })
      .join("-");
  }

  window.PeerOffline = {
    randomKey: randomKey,
    // Keeps the form's fields (as they would be posted, plus the draft) until they can be sent.
    queue: function (form, fields) {
      var data = new FormData(form);
      if (!data.get("idempotency_key")) data.set("idempotency_key", randomKey());
      var item = {
        key: data.get("idempotency_key"),
        url: new URL(form.action, location.href).pathname,
        body: new URLSearchParams(data).toString(),
        draftKey: form.getAttribute("data-draft-key"),
        fields: fields,
        queuedAt: Date.now(),
      };
      return outbox.add(item).then(function () {
        syncLater();
        return refresh();
      });
    },
  };

  // --- Signing out ------------------------------------------------------------------------
  function wipe() {
    var s = storage();
    if (s) {
      Object.keys(s).forEach(function (key) {
        if (key.indexOf("contact-draft:") === 0) s.removeItem(key);
      });
    }
    var names = caches.keys().then(function (all) {
      return Promise.all(all.map(caches.delete.bind(caches)));
    });
    return Promise.all([names, outbox.wipe()]).catch(function () {
      return null;
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var path = new URL(form.action, location.href).pathname;
    if (event.defaultPrevented || path !== script.getAttribute("data-logout")) return;
    event.preventDefault();
    outbox
      .all()
      .catch(function () {
        return [];
      })
      .then(function (items) {
        var message = plural(items.length) + " not sent yet will be deleted. Sign out anyway?";
        if (items.length && !window.confirm(message)) return;
        document.documentElement.setAttribute("data-signing-out", "");
        var done = false;
        var go = function () {
          if (!done) form.submit();
          done = true;
        };
        window.setTimeout(go, 3000);
        wipe().then(go);
      });
  });

  // --- On every page ----------------------------------------------------------------------
  showConnection();
  window.addEventListener("offline", showConnection);
  window.addEventListener("online", function () {
    showConnection();
    flush();
  });
  var s = storage();
  var owner = s ? s.getItem(OWNER) : null;
  if (!user) {
    // Signed out, or the session ended: the cached pages go; queued contacts wait for the
    // same person to sign in again.
    caches.delete("pages");
    return;
  }
  (owner && owner !== user ? wipe() : Promise.resolve()).then(function () {
    if (s) s.setItem(OWNER, user);
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.addEventListener("message", function (event) {
        if (event.data === "outbox-changed") refresh();
      });
      navigator.serviceWorker
        .register(script.getAttribute("data-sw"), { scope: scope })
        .catch(function () {
          // No service worker (an insecure origin, a private window): the site works online.
        });
    }
    return refresh().then(flush);
  });
})();
