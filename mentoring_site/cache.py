"""A Redis cache that degrades to "miss" when Redis is down, so pages keep working."""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _safe(method_name: str, fallback):
    def method(self, *args, **kwargs):
        try:
            return getattr(super(ResilientRedisCache, self), method_name)(*args, **kwargs)
        except (RedisError, OSError) as exc:
            logger.warning("cache %s failed: %s", method_name, type(exc).__name__)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

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
