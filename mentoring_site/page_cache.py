"""Rendered parts of busy pages, kept in each web process's own memory, never stale after a write.

A part (the dashboard's "Needs attention" lists, a mentor's My mentees list) is HTML rendered for
one user, in one language and time zone, from data whose *version* is read on every request: the
sum of the `PageChange` rows of the keys the part depends on (its houses, 0 for program-wide data,
minus a mentor's id for that mentor's own pages). PostgreSQL triggers append those rows in the
transaction of every write to a table the parts read (migrations activity_log 0016 and 0017),
whatever wrote it, so:

- a write committed before a request reads the version is in the version, and a part is rendered
  after that read (it shows at least that write);
- a write committed later makes the sum larger: the next request renders anew.

So an acknowledged concern, an ended pairing, a revoked consent, a resident moved to another house
or a retired mentor show at once. What changes with the clock alone (overdue by the hour, "3
minutes ago") can lag by at most PAGE_CACHE_SECONDS (60 by default), as the reminder scan itself
runs once a minute. Who may see which houses is read live on every request and is in the key.

The HTML stays in the memory of the process that rendered it (never in Redis or on disk), at most
PAGE_CACHE_ENTRIES parts per process, least recently used dropped first. CSRF tokens are not kept:
a part is rendered with a placeholder that each request replaces with its own token.

Off on other databases (no triggers: SQLite in tests) and when PAGE_CACHE_SECONDS is 0.
See docs/performance.md ("The page cache").
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from mentoring_site.change_log import data_version
from mentoring_site.models import PageChange
from mentoring_site.roles import role_of

# Stands for the CSRF token in a kept part; random per process, so no text typed into a record
# can match it.
CSRF_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"

T = TypeVar("T")


class _Store:
    """A bounded, thread-safe LRU of (expiry, value) by key."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            if found[0] <= time.monotonic():
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return found[1]

    def set(self, key: str, value: Any, seconds: float, limit: int) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + seconds, value)
            self._items.move_to_end(key)
            while len(self._items) > max(limit, 1):
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


store = _Store()


def enabled() -> bool:
    return settings.PAGE_CACHE_SECONDS > 0 and connection.vendor == "postgresql"


def _key(request: HttpRequest, kind: str, keys: tuple[int, ...] | None, vary: Iterable, version):
    db = connection.settings_dict
    user = request.user
    # repr() of a tuple: no value (a search term) can run into the next one.
    return repr(
        (
            kind,
            db.get("HOST"),
            db.get("PORT"),
            db.get("NAME"),
            user.pk,
            role_of(user),
            translation.get_language(),
            timezone.get_current_timezone_name(),
            timezone.localdate().isoformat(),
            None if keys is None else tuple(sorted(keys)),
            tuple(vary),
            version,
        )
    )


def part(
    request: HttpRequest,
    kind: str,
    *,
    keys: tuple[int, ...] | None,
    vary: Iterable = (),
    render: Callable[[str], tuple[str, T]],
    keep: Callable[[T], bool] | None = None,
) -> tuple[SafeString, T]:
    """`render(csrf_token)` for this request, (html, what the view needs besides: the residents
    to mark in the audit trail), kept from an earlier request of the same user when nothing
    under `keys` (house ids, or minus a mentor's user id; None: every house) has been written
    since. `vary` holds whatever else the HTML depends on (a house filter). A render whose
    `keep(extra)` is false is served but not kept (it turned out to depend on other keys)."""
    token = get_token(request)
    if not enabled():
        html, extra = render(token)
        return mark_safe(html), extra  # noqa: S308 - rendered by the template engine
    version = data_version(keys, table=PageChange._meta.db_table)
    key = _key(request, kind, keys, vary, version)
    found = store.get(key)
    if found is None:
        found = render(CSRF_PLACEHOLDER)
        if keep is None or keep(found[1]):
            store.set(key, found, settings.PAGE_CACHE_SECONDS, settings.PAGE_CACHE_ENTRIES)
    html, extra = found
    return mark_safe(html.replace(CSRF_PLACEHOLDER, token)), extra  # noqa: S308 - as above
