"""The reports page's slow figures, cached per user scope and period, never stale.

What is cached: `funder.StableFigures` and the group session figures, and the outcomes
report's figures (`feedback.reports.cached_build`, small counts already suppressed): numbers and
stored names in no language (labels go on per request), nothing about a person. Missed check-ins (they change as time passes) and
urgent concerns (acknowledged on the dashboard) are computed on every request.

The key: the database, the user, their role, the houses they may see (read on every request),
the house filter, the dates, and the *data version* of those houses: the sum of `ReportChange.weight` over
the rows of the houses in scope and house 0 (program-wide data). PostgreSQL triggers (migration
activity_log 0013) append a row in the transaction of every write that can change a figure,
whatever wrote it (the app, `QuerySet.update()`, the Django admin, a database shell), so:

- a write committed before a request reads the version is in the version, and the figures are
  computed after that read (they see at least that write): no entry is older than its key;
- a write committed later makes the sum larger, and the next request misses.

Off on other databases (no triggers: SQLite in tests) and with the database cache (a miss
would cost more queries than it saves), and when REPORT_FIGURES_CACHE_SECONDS is 0.
See docs/dashboard.md ("Reports page") and docs/performance.md.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection

from activity_log.groups import reports as group_reports
from activity_log.groups.reports import GroupFigures
from activity_log.models import ReportChange
from activity_log.reports.funder import StableFigures, stable_figures
from activity_log.reports.scope import Period, Scope
from mentoring_site import change_log
from mentoring_site.roles import role_of

logger = logging.getLogger(__name__)

T = TypeVar("T")

__all__ = ["cached_figures", "data_version", "enabled", "merge_changes", "report_figures"]


def data_version(house_ids: tuple[int, ...] | None) -> int:
    """The reports' data version of these houses (None: every house) and house 0."""
    return change_log.data_version(house_ids, ReportChange._meta.db_table)


def merge_changes() -> None:
    change_log.merge_changes(ReportChange._meta.db_table)


def enabled() -> bool:
    return (
        settings.REPORT_FIGURES_CACHE_SECONDS > 0
        and connection.vendor == "postgresql"
        and not isinstance(caches["default"], DatabaseCache)
    )


def _key(
    scope: Scope,
    period: Period,
    house_ids: tuple[int, ...] | None,
    version: int,
    kind: str = "report-figures",
) -> str:
    houses = "all" if house_ids is None else ",".join(map(str, sorted(house_ids)))
    # The database too: versions of two databases sharing one Redis may be equal.
    db = connection.settings_dict
    where = f"{db.get('HOST')}:{db.get('PORT')}/{db.get('NAME')}"
    digest = hashlib.sha256(f"{where}|{houses}".encode()).hexdigest()[:16]
    who = f"{getattr(scope.user, 'pk', None)}:{role_of(scope.user)}:{int(scope.all_houses)}"
    return (
        f"{kind}:v1:{who}:{scope.house_id or 'any'}:{digest}:"
        f"{period.start.isoformat()}:{period.end.isoformat()}:{version}"
    )


def _compute(scope: Scope, period: Period) -> tuple[StableFigures, GroupFigures]:
    return stable_figures(scope, period), group_reports.group_figures(scope, period)


def report_figures(scope: Scope, period: Period) -> tuple[StableFigures, GroupFigures]:
    """(stable figures, group session figures) for the scope and period: from the cache when
    nothing they count has been written since, else computed (and kept)."""
    return cached_figures("report-figures", scope, period, lambda: _compute(scope, period))


def cached_figures(kind: str, scope: Scope, period: Period, compute: Callable[[], T]) -> T:
    """`compute()` for the scope and period, from the cache when no write to the houses in
    scope (or program-wide) has been made since it was kept; `kind` names the figures."""
    if not enabled():
        return compute()
    house_ids = scope.version_houses()
    version = data_version(house_ids)
    key = _key(scope, period, house_ids, version, kind)
    try:
        found = cache.get(key)
    except Exception:  # noqa: BLE001 - a broken cache only costs speed
        logger.warning("report figures: cache unavailable", exc_info=False)
        return compute()
    if found is not None:
        return found
    found = compute()
    try:
        cache.set(key, found, settings.REPORT_FIGURES_CACHE_SECONDS)
    except Exception:  # noqa: BLE001 - a broken cache only costs speed
        logger.warning("report figures: cache unavailable", exc_info=False)
    return found
