"""ResilientRedisCache: a failed call answers from the fallback and leaves Redis alone for a few
seconds, so a frozen server costs a process one timeout per pause (a sign-in makes several cache
calls for its rate limits)."""

from __future__ import annotations

import pytest
from redis.exceptions import TimeoutError as RedisTimeout

from mentoring_site import cache as resilient
from mentoring_site.cache import ResilientRedisCache


@pytest.fixture
def redis_cache(monkeypatch):
    resilient.resume_all()
    calls = []
    backend = ResilientRedisCache("redis://127.0.0.1:1/0", {})
    client = backend._cache

    def frozen(*args, **kwargs):
        calls.append(args)
        raise RedisTimeout("Timeout reading from socket")

    monkeypatch.setattr(client, "get", frozen)
    monkeypatch.setattr(client, "add", frozen)
    yield backend, calls
    resilient.resume_all()


def test_a_failed_call_answers_the_fallback_and_pauses_redis(redis_cache, monkeypatch):
    backend, calls = redis_cache
    assert backend.get("key", default="fallback") == "fallback"
    assert backend.add("lock", 1) is True
    assert backend.get("other") is None
    assert len(calls) == 1  # only the first call went to Redis

    clock = resilient.time.monotonic() + resilient.PAUSE_SECONDS + 0.1
    monkeypatch.setattr(resilient.time, "monotonic", lambda: clock)
    assert backend.get("key") is None
    assert len(calls) == 2  # the pause is over: Redis is tried again


def test_a_pause_is_per_server(redis_cache):
    backend, calls = redis_cache
    backend.get("key")
    other = ResilientRedisCache("redis://127.0.0.1:2/0", {})
    assert tuple(other._servers) not in resilient._paused_until
