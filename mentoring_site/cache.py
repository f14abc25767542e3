"""A Redis cache that degrades to "miss" when Redis is down or frozen, so pages keep working.

Each call is bounded by the socket timeouts in settings (REDIS_TIMEOUT_SECONDS). After a failure
the process leaves Redis alone for PAUSE_SECONDS and answers every call from the fallback at once,
so a frozen server costs a process one timeout per pause, not one per cache call (a sign-in makes
several for its rate limits).
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

PAUSE_SECONDS = 5.0
# Per server list (a private test server must not pause the shared one), monotonic deadline.
_paused_until: dict[tuple[str, ...], float] = {}


def resume_all() -> None:
    """Forget every pause (tests; an operator never needs it: a pause ends by itself)."""
    _paused_until.clear()


def _safe(method_name: str, fallback):
    def answer_from_fallback(args, kwargs):
        return fallback(*args, **kwargs) if callable(fallback) else fallback

    def method(self, *args, **kwargs):
        servers = tuple(self._servers)
        if _paused_until.get(servers, 0.0) > time.monotonic():
            return answer_from_fallback(args, kwargs)
        try:
            return getattr(super(ResilientRedisCache, self), method_name)(*args, **kwargs)
        except (RedisError, OSError) as exc:
            _paused_until[servers] = time.monotonic() + PAUSE_SECONDS
            logger.warning(
                "cache %s failed: %s; cache off for %.0f s",
                method_name,
                type(exc).__name__,
                PAUSE_SECONDS,
            )
            return answer_from_fallback(args, kwargs)

    method.__name__ = method_name
    return method


class ResilientRedisCache(RedisCache):
    get = _safe("get", lambda key, default=None, version=None: default)
    set = _safe("set", None)
    # True: allauth's rate limiter takes a lock with add(); "not added" would answer every login
    # with 429 while Redis is down. Rate limits pause during an outage; logins keep working.
    add = _safe("add", True)
    delete = _safe("delete", False)
    incr = _safe("incr", 0)
    get_many = _safe("get_many", {})
    set_many = _safe("set_many", [])
    delete_many = _safe("delete_many", None)
    touch = _safe("touch", False)
    has_key = _safe("has_key", False)
