// The log form keeps a draft in localStorage while the mentor types (one key per pairing), puts it
// back after a reload, a dropped connection or a sign-in, and forgets it only when the server's
// confirmation page says the contact is saved. Offline, a new contact goes to the outbox instead
// (offline.js) and is sent when the connection returns. No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  function store() {
    try {
      return window.localStorage;
    } catch (e) {
      return null;
    }
  }

  function read(key) {
    var s = store();
    if (!s || !key) return null;
    try {
      return JSON.parse(s.getItem(key) || "null");
    } catch (e) {
      return null;
    }
  }

  function write(key, value) {
    var s = store();
    if (!s || !key) return;
    try {
      s.setItem(key, JSON.stringify(value));
    } catch (e) {
      // Storage full or blocked: the form still works, only without a draft.
    }
  }

  function serialize(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "submit") return;
      if (el.type === "checkbox") {
        data[el.name] = data[el.name] || [];
        if (el.checked) data[el.name].push(el.value);
      } else if (el.type === "radio") {
        if (el.checked) data[el.name] = el.value;
        else if (!(el.name in data)) data[el.name] = null;
      } else {
        data[el.name] = el.value;
      }
    });
    return data;
  }

  function restore(form, data) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in data) || el.name === "csrfmiddlewaretoken") return;
      var value = data[el.name];
      if (el.type === "checkbox") el.checked = (value || []).indexOf(el.value) !== -1;
      else if (el.type === "radio") el.checked = value === el.value;
      else if (el.type !== "submit" && typeof value === "string") el.value = value;
    });
  }

  function showCrisisGuidance(form) {
    var box = form.querySelector("[data-crisis-guidance]");
    if (!box) return;
    var urgent = form.querySelector('input[name="concern_level"][value="urgent"]');
    box.classList.toggle("is-shown", !!(urgent && urgent.checked));
  }

  var loadedAt = Date.now();

  // A form the service worker answered from its cache (offline.js), or one whose contact just
  // went to the outbox, holds the key and time it was served with: a new contact gets its own key
  // and the served time moved on by the time since (in the house's time zone, as served).
  function freshen(form) {
    var key = form.elements.idempotency_key;
    var when = form.elements.happened_at;
    var servedAt = Number(document.body.getAttribute("data-offline-at")) || loadedAt;
    var served = when ? Date.parse(when.defaultValue + ":00Z") : NaN;
    if (key && window.PeerOffline) key.value = window.PeerOffline.randomKey();
    if (!isNaN(served)) {
      when.value = new Date(served + Date.now() - servedAt).toISOString().slice(0, 16);
    }
  }

  function setUpForm(form) {
    var key = form.getAttribute("data-draft-key");
    var restored = false;
    if (key && form.getAttribute("data-draft-restore") === "true") {
      var draft = read(key);
      if (draft && draft.fields) {
        restore(form, draft.fields);
        restored = true;
        var note = document.querySelector("[data-draft-note]");
        if (note) note.hidden = false;
      }
    }
    if (!restored && document.body.hasAttribute("data-offline-at")) freshen(form);
    // Just handed to the outbox: nothing to keep until the mentor types again.
    var queued = false;
    var save = function () {
      // Signing out (offline.js) has just deleted the drafts: none may come back on pagehide.
      if (document.documentElement.hasAttribute("data-signing-out")) return;
      if (key && !queued) write(key, { savedAt: new Date().toISOString(), fields: serialize(form) });
    };
    form.addEventListener("input", function () {
      queued = false;
      save();
    });
    form.addEventListener("change", function (event) {
      queued = false;
      save();
      if (event.target.name === "concern_level") showCrisisGuidance(form);
    });
    window.addEventListener("pagehide", save);
    // One submit per tap: a second tap while the first is in flight does nothing.
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) return;
      save();
      if (form.getAttribute("data-submitting") === "true") {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-submitting", "true");
      // Offline, a new contact (an edit has no idempotency key) waits on the phone and is sent
      // when the connection returns.
      var idempotencyKey = form.elements.idempotency_key;
      if (navigator.onLine || !window.PeerOffline || !idempotencyKey || !idempotencyKey.value) {
        return;
      }
      event.preventDefault();
      window.PeerOffline.queue(form, serialize(form)).then(
        function () {
          queued = true;
          var s = store();
          if (s && key) s.removeItem(key);
          form.reset();
          freshen(form);
          showCrisisGuidance(form);
          form.removeAttribute("data-submitting");
          window.scrollTo(0, 0);
        },
        function () {
          // The phone would not store it: the draft is kept, and the browser tries to send.
          form.submit();
        }
      );
    });
    window.addEventListener("pageshow", function () {
      form.removeAttribute("data-submitting");
    });
    showCrisisGuidance(form);
  }

  function clearConfirmedDraft(marker) {
    var key = marker.getAttribute("data-clear-draft");
    var savedKey = marker.getAttribute("data-saved-key");
    var draft = read(key);
    var draftKey = draft && draft.fields ? draft.fields.idempotency_key : "";
    // A draft typed for another contact of the same pairing (another tab) is kept.
    if (!draft || !savedKey || !draftKey || draftKey === savedKey) {
      var s = store();
      if (s && key) s.removeItem(key);
    }
  }

  function init() {
    var form = document.querySelector("form.log-form");
    if (form) setUpForm(form);
    var marker = document.querySelector("[data-clear-draft]");
    if (marker) clearConfirmedDraft(marker);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
