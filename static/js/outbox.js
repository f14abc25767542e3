// Contacts saved while offline wait here (IndexedDB) until the server has them. Shared by the
// pages (offline.js) and the service worker (sw.js), so no DOM. Each item is the log form's
// fields as sent, keyed by its idempotency key: the server saves one contact per key however
// often the same item arrives (a page and the service worker may both send it).
(function (scope) {
  "use strict";
  var DB = "peer-mentoring";
  var STORE = "outbox";

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "key" });
      };
      request.onsuccess = function () {
        resolve(request.result);
      };
      request.onerror = function () {
        reject(request.error);
      };
    });
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = work(tx.objectStore(STORE));
        tx.oncomplete = function () {
          db.close(); // an open connection would block wipe()
          resolve(request.result);
        };
        tx.onerror = tx.onabort = function () {
          db.close();
          reject(tx.error);
        };
      });
    });
  }

  // "sent": the server answered with the contact's confirmation page. "waiting": no connection,
  // signed out, or a stale CSRF token (403): try again later. "failed": the server refused the
  // contact itself (the form came back with an error, the pairing ended).
  function send(item, token) {
    var body = new URLSearchParams(item.body);
    if (token) body.set("csrfmiddlewaretoken", token);
    return fetch(item.url, { method: "POST", body: body, credentials: "same-origin" }).then(
      function (response) {
        var path = new URL(response.url).pathname;
        if (response.ok && /\/contacts\/\d+\/saved\/$/.test(path)) return "sent";
        if (response.status === 403 || /^\/accounts\//.test(path)) return "waiting";
        return "failed";
      },
      function () {
        return "waiting";
      }
    );
  }

  function sendAll(token) {
    return PeerOutbox.all().then(function (items) {
      var result = { sent: 0, waiting: 0, failed: 0 };
      return items
        .reduce(function (chain, item) {
          if (item.failed) {
            result.failed += 1;
            return chain;
          }
          return chain.then(function () {
            return send(item, token).then(function (outcome) {
              if (outcome === "sent") {
                result.sent += 1;
                return PeerOutbox.remove(item.key);
              }
              if (outcome === "waiting") {
                result.waiting += 1;
                return null;
              }
              // Kept, marked, for the page to turn back into a draft the mentor can fix.
              result.failed += 1;
              item.failed = true;
              return PeerOutbox.add(item);
            });
          });
        }, Promise.resolve())
        .then(function () {
          return result;
        });
    });
  }

  var sending = null;

  var PeerOutbox = {
    SYNC_TAG: "send-contacts",
    add: function (item) {
      return run("readwrite", function (store) {
        return store.put(item);
      });
    },
    all: function () {
      return run("readonly", function (store) {
        return store.getAll();
      });
    },
    remove: function (key) {
      return run("readwrite", function (store) {
        return store.delete(key);
      });
    },
    // Sends every waiting item once; resolves to the counts {sent, waiting, failed}. One flush
    // at a time per phone (a Web Lock shared by the pages and the service worker): the server
    // would save each contact once anyway, but need not see it twice.
    flush: function (token) {
      if (sending) return sending;
      var locks = scope.navigator && scope.navigator.locks;
      sending = (
        locks
          ? locks.request("peer-outbox", function () {
              return sendAll(token);
            })
          : sendAll(token)
      ).finally(function () {
        sending = null;
      });
      return sending;
    },
    wipe: function () {
      return new Promise(function (resolve) {
        var request = indexedDB.deleteDatabase(DB);
        request.onsuccess = request.onerror = request.onblocked = function () {
          resolve();
        };
      });
    },
  };

  scope.PeerOutbox = PeerOutbox;
})(self);
