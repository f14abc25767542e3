// The mentor's service worker. Served at /sw.js by mentoring_site.views.service_worker, which puts
// CONFIG (the shell's static URLs, the mentor page patterns, a version) and outbox.js before it.
// - The shell (CSS, scripts, icons) is cached at install and answered from the cache.
// - Only the allow-listed mentor pages (My mentees, a log form) are cached: network first, the
//   last copy when offline, marked with the time it was fetched for the "offline" banner.
//   Nothing else (staff pages, POSTs) is ever cached.
// - Background Sync sends the contacts queued in the outbox while offline.
/* global CONFIG, PeerOutbox */
"use strict";

var SHELL = "shell-" + CONFIG.version;
var PAGES = "pages";
var PAGE_PATTERNS = CONFIG.pages.map(function (p) {
  return new RegExp(p);
});

function isMentorPage(url) {
  return (
    url.origin === self.location.origin &&
    !url.search &&
    PAGE_PATTERNS.some(function (re) {
      return re.test(url.pathname);
    })
  );
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(SHELL)
      .then(function (cache) {
        return cache.addAll(CONFIG.shell);
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf("shell-") === 0 && name !== SHELL;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

function fromShell(request) {
  return caches.match(request, { cacheName: SHELL }).then(function (hit) {
    return hit || fetch(request);
  });
}

function remember(request, response) {
  // Only the headers the page needs: its type and its Content-Security-Policy.
  var headers = {
    "Content-Type": response.headers.get("Content-Type") || "text/html; charset=utf-8",
    "X-Saved-At": String(Date.now()),
  };
  var csp = response.headers.get("Content-Security-Policy");
  if (csp) headers["Content-Security-Policy"] = csp;
  return response.text().then(function (body) {
    return caches.open(PAGES).then(function (cache) {
      return cache.put(request.url, new Response(body, { headers: headers }));
    });
  });
}

function offlineCopy(request) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(request.url).then(function (hit) {
      if (!hit) {
        return new Response(
          '<!DOCTYPE html><meta name="viewport" content="width=device-width">' +
            "<title>Offline</title><p>You are offline, and this page was not saved on this " +
            'phone.</p><p><a href="' +
            CONFIG.home +
            '">My mentees</a></p>',
          {
            status: 503,
            headers: {
              "Content-Type": "text/html; charset=utf-8",
              "Content-Security-Policy": "default-src 'none'",
            },
          }
        );
      }
      var headers = new Headers(hit.headers);
      return hit.text().then(function (body) {
        // The page's offline.js shows "Offline, last updated HH:MM" from this attribute.
        body = body.replace("<body", '<body data-offline-at="' + hit.headers.get("X-Saved-At") + '"');
        return new Response(body, { headers: headers });
      });
    });
  });
}

function networkFirst(event) {
  var request = event.request;
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected && response.type === "basic") {
      event.waitUntil(remember(request, response.clone()));
    } else if (response.status === 404 || response.status === 403) {
      // The pairing ended, or the page is no longer this person's: forget the copy.
      event.waitUntil(
        caches.open(PAGES).then(function (cache) {
          return cache.delete(request.url);
        })
      );
    }
    return response;
  }, function () {
    return offlineCopy(request);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return; // a POST always goes to the server
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf(CONFIG.static) === 0) {
    event.respondWith(fromShell(request));
  } else if (request.mode === "navigate" && isMentorPage(url)) {
    event.respondWith(networkFirst(event));
  }
});

function tellPages() {
  return self.clients.matchAll({ includeUncontrolled: true }).then(function (pages) {
    pages.forEach(function (page) {
      page.postMessage("outbox-changed");
    });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag !== PeerOutbox.SYNC_TAG) return;
  event.waitUntil(
    PeerOutbox.flush(null).then(function (result) {
      return tellPages().then(function () {
        // Still waiting (no connection yet): a rejected promise asks the browser to retry.
        if (result.waiting) throw new Error("contacts still waiting");
      });
    })
  );
});
