"""`migrate` alone leaves a working site: without REDIS_URL the rate limits live in the database
cache, and a migration creates its table (before, a deployment that skipped `createcachetable`
answered 500 on every sign-in)."""

from __future__ import annotations

import pytest

from tests.deploy.support import manage, production_env

SIGN_IN = """
from django.contrib.auth import get_user_model
from django.test import Client

get_user_model().objects.create_user(email="fresh@example.org", password="a-long-passphrase-1")
client = Client(raise_request_exception=False)
wrong = client.post(
    "/accounts/login/", {"login": "fresh@example.org", "password": "wrong"}, secure=True
)
right = client.post(
    "/accounts/login/", {"login": "fresh@example.org", "password": "a-long-passphrase-1"},
    secure=True,
)
print("STATUSES", wrong.status_code, right.status_code)
"""


@pytest.fixture(scope="module")
def fresh_database(tmp_path_factory):
    """A new SQLite file, migrated and nothing else; development settings (so pages need no
    collectstatic), no Redis."""
    env = production_env(
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path_factory.mktemp('fresh') / 'fresh.sqlite3'}",
        REDIS_URL="",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    migrated = manage("migrate", "--noinput", env=env, timeout=300)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    return env


def test_migrate_alone_creates_the_cache_table_and_sign_in_works(fresh_database):
    result = manage("shell", "-c", SIGN_IN, env=fresh_database)
    assert result.returncode == 0, result.stdout + result.stderr
    # A wrong password redisplays the form (the failure is counted in the cache); the right one
    # signs in and redirects.
    assert result.stdout.split("STATUSES")[-1].split() == ["200", "302"], result.stderr


def has_cache_table(env) -> str:
    tables = manage(
        "shell",
        "-c",
        "from django.db import connection; "
        "print('HAS', 'django_cache' in connection.introspection.table_names())",
        env=env,
    )
    assert tables.returncode == 0, tables.stderr
    return tables.stdout.split("HAS")[-1].strip()


def sqlite_env(path, **overrides):
    return production_env(DEBUG="true", DATABASE_URL=f"sqlite:///{path}", **overrides)


# The two below migrate only as far as the cache table's migration (mentoring_site 0003) and
# what it depends on: the rest of the schema has nothing to do with it.


def test_the_migration_leaves_the_table_alone_when_it_exists(tmp_path):
    env = sqlite_env(tmp_path / "existing.sqlite3", REDIS_URL="")
    before = manage("migrate", "mentoring_site", "0002", "--noinput", env=env, timeout=120)
    assert before.returncode == 0, before.stdout + before.stderr
    # An operator who ran createcachetable by hand before upgrading.
    assert manage("createcachetable", env=env).returncode == 0
    forward = manage("migrate", "mentoring_site", "0003", "--noinput", env=env, timeout=120)
    assert forward.returncode == 0, forward.stdout + forward.stderr
    assert has_cache_table(env) == "True"


def test_the_migration_creates_nothing_when_the_cache_is_redis(tmp_path):
    # Never contacted: migrate does not use the cache.
    env = sqlite_env(tmp_path / "redis.sqlite3", REDIS_URL="redis://127.0.0.1:1/0")
    migrated = manage("migrate", "mentoring_site", "0003", "--noinput", env=env, timeout=120)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert has_cache_table(env) == "False"
