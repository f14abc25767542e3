import os
import subprocess
import sys
from pathlib import Path

import pytest

from mentoring_site.settings import database_from_url

ROOT = Path(__file__).resolve().parents[2]


def _run_settings(**env_overrides) -> subprocess.CompletedProcess:
    env = dict(os.environ, **env_overrides)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_secret_key_stops_startup_with_debug_off():
    result = _run_settings(
        DEBUG="false", SECRET_KEY="", DJANGO_SETTINGS_MODULE="mentoring_site.settings"
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_secret_key_given_starts():
    result = _run_settings(
        DEBUG="false", SECRET_KEY="x" * 50, DJANGO_SETTINGS_MODULE="mentoring_site.settings"
    )
    assert result.returncode == 0, result.stderr


def test_postgres_url_is_parsed_with_persistent_connections():
    db = database_from_url("postgres://app:s%40cret@db.example:6543/mentoring?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "app",
        "s@cret",
        "db.example",
        "6543",
        "mentoring",
    )
    assert db["CONN_MAX_AGE"] > 0
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_sqlite_url_is_parsed():
    assert database_from_url("sqlite:////tmp/x.sqlite3")["NAME"] == "/tmp/x.sqlite3"


def test_unknown_database_scheme_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        database_from_url("mysql://x@y/z")


def test_check_deploy_is_clean_with_production_settings():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DEBUG="false",
        SECRET_KEY="a-long-random-production-secret-key-0123456789-abcdefghijkl",
        ALLOWED_HOSTS="mentoring.example.org",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_turn_on_https_protections():
    """DEBUG off (SECRET_KEY and ALLOWED_HOSTS set, nothing else from this shell): HSTS, secure
    cookies and the HTTPS redirect are on, read from a fresh interpreter."""
    import json

    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "mentoring_site.settings",
        "DEBUG": "false",
        "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijkl",
        "ALLOWED_HOSTS": "mentoring.example.org",
    }
    if "VAR_DIR" in os.environ:
        env["VAR_DIR"] = os.environ["VAR_DIR"]
    names = [
        "DEBUG",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
    ]
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["DEBUG"] is False
    assert found["SECURE_HSTS_SECONDS"] > 0
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert found["SESSION_COOKIE_SECURE"] is True
    assert found["SESSION_COOKIE_HTTPONLY"] is True
    assert found["CSRF_COOKIE_SECURE"] is True
    assert found["LANGUAGE_COOKIE_SECURE"] is True
    assert found["SECURE_SSL_REDIRECT"] is True


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STAFF_IDLE_MINUTES", "thirty"),
        ("REDIS_TIMEOUT_SECONDS", "soon"),
        ("DEBUG", "maybe"),
        ("SECURE_SSL_REDIRECT", "y"),
    ],
)
def test_a_value_that_does_not_parse_stops_startup_naming_the_variable(name, value):
    result = _run_settings(
        **{"DJANGO_SETTINGS_MODULE": "mentoring_site.settings", "SECRET_KEY": "x" * 50},
        **{"DEBUG": "false", name: value},
    )
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line
    assert f"{name}={value!r}" in last_line


def _settings_values(names: list[str], **env_overrides) -> dict:
    import json

    env = dict(os.environ, DJANGO_SETTINGS_MODULE="mentoring_site.settings", **env_overrides)
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_values_are_read_as_the_readme_says():
    """Lists are stripped, an empty value means the default, `$` starts a value like any other
    character (no reference to another variable), yes/no words in any case."""
    found = _settings_values(
        ["ALLOWED_HOSTS", "EMAIL_HOST_PASSWORD", "EMAIL_PORT", "EMAIL_USE_TLS", "DEBUG"],
        DEBUG="Off",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS=" a.example.org, b.example.org ,",
        EMAIL_HOST_PASSWORD="$SECRET_KEY",
        EMAIL_PORT="",
        EMAIL_USE_TLS="YES",
    )
    assert found == {
        "ALLOWED_HOSTS": ["a.example.org", "b.example.org"],
        "EMAIL_HOST_PASSWORD": "$SECRET_KEY",
        "EMAIL_PORT": 25,
        "EMAIL_USE_TLS": True,
        "DEBUG": False,
    }
