"""Program health for the dashboard, cached per scope; the all-houses figures kept warm by beat."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection
from django.utils import timezone

from activity_log.reports import attention
from activity_log.reports.health import Health, program_health
from activity_log.reports.scope import Scope, scope_for
from mentoring_site.models import User
from mentors.models import Mentor, TrainingRecord

logger = logging.getLogger(__name__)


def health_cache_key(*, all_houses: bool, user_pk: int | None, house_id: int | None) -> str:
    """All houses is one scope shared by every admin; a manager's scope is their own."""
    who = "all" if all_houses else f"user{user_pk}"
    return f"dashboard-health:v1:{who}:{house_id or 'any'}:{timezone.localdate()}"


def cached_health(scope: Scope, *, user_pk: int | None) -> Health:
    """Program health changes slowly and costs a scan of 120 days of contacts: computed at most
    once per DASHBOARD_HEALTH_CACHE_SECONDS per scope (all houses, or one manager's). The
    all-houses figures, the costly ones, are kept warm by `warm_all_houses_health` on beat."""
    seconds = settings.DASHBOARD_HEALTH_CACHE_SECONDS
    if seconds <= 0:
        return program_health(scope, consistency_limit=attention.LIST_LIMIT)
    key = health_cache_key(all_houses=scope.all_houses, user_pk=user_pk, house_id=scope.house_id)
    try:
        health = cache.get(key)
    except Exception:  # noqa: BLE001 - a broken cache only costs speed
        logger.warning("dashboard health: cache unavailable", exc_info=False)
        return program_health(scope, consistency_limit=attention.LIST_LIMIT)
    if health is None:
        health = program_health(scope, consistency_limit=attention.LIST_LIMIT)
        _store(key, health, seconds)
    return health


def _store(key: str, health: Health, seconds: int) -> None:
    try:
        cache.set(key, health, seconds)
    except Exception:  # noqa: BLE001 - a broken cache only costs speed
        logger.warning("dashboard health: cache unavailable", exc_info=False)


def warm_all_houses_health() -> bool:
    """Computes the all-houses program health (seconds at --scale large) and caches it, so no
    admin waits for it. Run by beat more often than the cache expires; False when caching is off.
    """
    seconds = settings.DASHBOARD_HEALTH_CACHE_SECONDS
    if seconds <= 0:
        return False
    # Reads as a program admin would; an unsaved user that is never stored or logged.
    reader = User(is_superuser=True, is_active=True)
    scope = scope_for(reader, None, [], all_houses=True)
    health = program_health(scope, consistency_limit=attention.LIST_LIMIT)
    _store(health_cache_key(all_houses=True, user_pk=None, house_id=None), health, seconds)
    return True


# --- The "mentors needing training" list -------------------------------------------------------

TRAINING_GENERATION_KEY = "dashboard-training:generation"


def training_list_changed() -> None:
    """Training was recorded or a mentor's status changed: every cached training list is old."""
    try:
        if not cache.add(TRAINING_GENERATION_KEY, 1, None):
            cache.incr(TRAINING_GENERATION_KEY)
    except Exception:  # noqa: BLE001 - a broken cache only costs speed
        logger.warning("dashboard training list: cache unavailable", exc_info=False)


def _newest_mentor_and_training() -> str:
    """The newest mentor and training record ids (one indexed query, in place of the list's
    15-40 ms): a new mentor or a record, however it was written, makes a new cache key."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(id) FROM {Mentor._meta.db_table}), "  # noqa: S608 - model names
            f"(SELECT MAX(id) FROM {TrainingRecord._meta.db_table})"
        )
        mentor, record = cursor.fetchone()
    return f"{mentor}-{record}"


def cached_mentors_needing_training(
    scope: Scope, today, *, user_pk: int | None
) -> attention.Capped:
    """The dashboard's slowest list (the clearance of every active mentor: ~15-40 ms at
    --scale large) changes with training and mentor status, not with each page view: cached
    per scope and day for DASHBOARD_HEALTH_CACHE_SECONDS. A new mentor or training record
    changes the key; a mentor going on break or retiring drops every list (handlers.py). Other
    changes (a mentor activated, houses served) show within the cache time.

    Not with the database cache (no REDIS_URL): a miss there costs four queries, about what
    the list costs, and the page keeps its fixed query count."""
    seconds = settings.DASHBOARD_HEALTH_CACHE_SECONDS
    if seconds <= 0 or isinstance(caches["default"], DatabaseCache):
        return attention.mentors_needing_training(scope, today)
    who = "all" if scope.all_houses else f"user{user_pk}"
    newest = _newest_mentor_and_training()
    try:
        generation = cache.get(TRAINING_GENERATION_KEY, 0)
        key = f"dashboard-training:v2:{generation}:{newest}:{who}:{scope.house_id or 'any'}:{today}"
        found = cache.get(key)
    except Exception:  # noqa: BLE001 - a broken cache only costs speed
        logger.warning("dashboard training list: cache unavailable", exc_info=False)
        return attention.mentors_needing_training(scope, today)
    if found is None:
        found = attention.mentors_needing_training(scope, today)
        try:
            cache.set(key, found, seconds)
        except Exception:  # noqa: BLE001
            logger.warning("dashboard training list: cache unavailable", exc_info=False)
    return found
