"""Shared fixtures: alice-bob-charlie style users for every role, a browser, a real Celery worker.

- `program_admin`: a program admin (sees every house).
- `manager` manages `house`; `manager2` manages `house2` (the outsider for scope tests).
- `mentor` and `mentor2`: cleared mentors with no mentees yet.
- `page`: Playwright Chromium at phone size (375x812); `login_browser(page, live_server, user)`.
  Any browser console error (CSP violations included) or uncaught page error fails the test at
  teardown. A test that expects some opts out with `@pytest.mark.allow_console_errors("text")`:
  errors containing one of the given substrings are allowed (no argument: all are allowed).
- Staff made by the factories are enrolled in TOTP, and `client.force_login` (so `as_user` and
  `login_browser` too) records a passed TOTP step: they pass the staff two-factor gate.
- `celery_worker_process`: a real `celery worker` subprocess on a private queue, which also
  loads the test-only tasks (tests/celery_tasks.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# Playwright's sync API runs an event loop in this thread; Django's live_server is fine with it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


REFERENCE_DATA_MIGRATIONS = [
    "mentoring_site.migrations.0002_roles",
    "residents.migrations.0002_lookups",
    "mentors.migrations.0002_course_catalogue",
    "activity_log.migrations.0003_topics",
]


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests flush every table; put back what the data migrations seeded."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    by_marker = marker is not None and bool(
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    )
    if not (names & {"transactional_db", "live_server"} or by_marker):
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    for module_name in REFERENCE_DATA_MIGRATIONS:
        module = importlib.import_module(module_name)
        for op in module.Migration.operations:
            op.code(apps, None)


@pytest.fixture(autouse=True)
def _celery_in_memory(settings):
    """Tasks enqueued by ordinary tests go to an in-memory broker, never to a shared queue."""
    from mentoring_site.celery import app

    use_broker(app, "memory://", {})
    yield
    use_broker(app, "memory://", {})


def use_broker(app, url: str, options: dict) -> None:
    """Points the Celery app at another broker, dropping pooled connections to the old one."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url
    app.conf.broker_transport_options = options


def record_mfa_in_session(client, user) -> None:
    """Marks the client's session as having passed TOTP, exactly as allauth records it.

    Staff must pass two-factor before any resident page (mentoring_site/security.py). Users
    without a TOTP authenticator (e.g. `ManagerUserFactory(totp=False)`) are left alone.
    """
    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from allauth.mfa.models import Authenticator

    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return
    session = client.session
    records = session.get(AUTHENTICATION_METHODS_SESSION_KEY) or []
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        *records,
        {"method": "mfa", "at": time.time(), "id": authenticator.pk, "type": "totp"},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()


@pytest.fixture(autouse=True)
def _force_login_passes_mfa(monkeypatch):
    """`client.force_login(staff)` gives a session that passed TOTP (staff factories enrol it)."""
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        record_mfa_in_session(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts (and ends) in the site's language: a request leaves its language active
    in the thread, which would leak Spanish into the next test's gettext and formats."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """Each test starts with no kept page parts (mentoring_site/page_cache.py): rolled-back tests
    can bring a data version back to a value an earlier test kept a part under."""
    from mentoring_site import page_cache

    page_cache.store.clear()


@pytest.fixture
def no_page_cache(settings):
    """Every request renders its page parts live: for tests of the live lists' queries."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _locmem_sms(settings):
    """Texts go to `mentoring_site.sms.outbox`, emptied for each test."""
    from mentoring_site import sms

    settings.SMS_BACKEND = "mentoring_site.sms.backends.LocmemBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "allow_console_errors(*substrings): the `page` fixture lets browser console errors that "
        "contain one of the substrings pass (none given: every console error)",
    )
    # The translations as the .po files have them now (make test does the same; a bare pytest
    # run must not read a stale or missing .mo).
    from mentoring_site.management.commands.compile_catalogue import (
        catalogues,
        compile_catalogue,
    )

    for po_path in catalogues():
        compile_catalogue(po_path)
    # Fast password hashing for tests only (PBKDF2 costs ~0.3 s per hash).
    from django.conf import settings as django_settings

    django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def house(manager):
    return f.HouseFactory(name="Maple House", managers=[manager])


@pytest.fixture
def house2(manager2):
    return f.HouseFactory(name="Harbor House", managers=[manager2])


@pytest.fixture
def program_admin(db):
    return f.AdminUserFactory(email="admin@example.org", first_name="Alex")


@pytest.fixture
def manager(db):
    return f.ManagerUserFactory(email="manager@example.org", first_name="Maria")


@pytest.fixture
def manager2(db):
    return f.ManagerUserFactory(email="manager2@example.org", first_name="Dwayne")


@pytest.fixture
def mentor(db):
    return f.ClearedMentorFactory(user__email="mentor@example.org", user__first_name="Sam")


@pytest.fixture
def mentor2(db):
    return f.ClearedMentorFactory(user__email="mentor2@example.org", user__first_name="Jordan")


@pytest.fixture
def anonymous_client(client):
    return client


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def as_user(client):
    """`as_user(user)` returns the test client signed in as that user."""

    def _as(user):
        client.logout()
        return login(client, user)

    return _as


# --- Browser ---------------------------------------------------------------------------------


def _browser_available() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM}"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _browser_available()
    if reason:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"Browser tests are required here but {reason}.")
        pytest.skip(f"Browser test skipped: {reason}.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(request, browser, live_server):
    """A fresh phone-sized page (375x812).

    Console errors and uncaught page errors are collected in `page.console_errors`; any left at
    teardown fail the test, unless the test is marked `@pytest.mark.allow_console_errors(...)`
    and every error contains one of the marker's substrings (no substrings: all allowed).
    """
    context = browser.new_context(viewport={"width": 375, "height": 812}, base_url=live_server.url)
    pg = context.new_page()
    pg.console_errors = []
    pg.on(
        "console", lambda msg: pg.console_errors.append(msg.text) if msg.type == "error" else None
    )
    pg.on("pageerror", lambda exc: pg.console_errors.append(f"Uncaught: {exc}"))
    pg.set_default_timeout(10_000)
    yield pg
    context.close()
    unexpected = _unexpected_console_errors(request.node, pg.console_errors)
    if unexpected:
        pytest.fail(
            "Browser console errors (mark the test @pytest.mark.allow_console_errors(...) if "
            "they are expected):\n" + "\n".join(unexpected),
            pytrace=False,
        )


def _unexpected_console_errors(node, errors: list[str]) -> list[str]:
    allowed: list[str] = []
    for mark in node.iter_markers("allow_console_errors"):
        if not mark.args:
            return []
        allowed += [str(text) for text in mark.args]
    return [error for error in errors if not any(text in error for text in allowed)]


@pytest.fixture
def login_browser(client):
    """Signs `user` in inside the browser by handing it a real session cookie (no form typing)."""

    def _login(pg, live_server, user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        pg.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )
        return pg

    return _login


def screenshot(pg, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path


# --- A real Celery worker ------------------------------------------------------------------------

# Workers started by tests also load the test-only tasks (record_marker); production never does.
TEST_TASKS = ("--include", "tests.celery_tasks")


def worker_env() -> dict[str, str]:
    """Environment for a subprocess that must see the test database and the real broker."""
    from django.db import connection

    env = dict(os.environ)
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        env["DATABASE_URL"] = (
            f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    env["DJANGO_SETTINGS_MODULE"] = "mentoring_site.settings"
    env["EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"
    return env


class WorkerProcess:
    def __init__(self, queue: str, env: dict[str, str], proc: subprocess.Popen, log: Path):
        self.queue, self.env, self.proc, self.log = queue, env, proc, log

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """Starts `celery worker` on a private queue against the test database; stops it after."""
    from mentoring_site.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = worker_env()
    env["EMAIL_FILE_PATH"] = str(tmp_path / "mail")
    log = tmp_path / "worker.log"
    celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [
                celery,
                "-A",
                "mentoring_site",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--queues",
                queue,
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                *TEST_TASKS,
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    # The test process publishes to the real broker (not the in-memory one) for this test.
    use_broker(app, settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    worker = WorkerProcess(queue, env, proc, log)
    deadline = time.monotonic() + 30
    while "ready" not in worker.output():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"Celery worker did not start:\n{worker.output()}")
        time.sleep(0.2)
    yield worker
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.2):
    """Polls until predicate() is truthy; returns its value or fails the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail("Timed out waiting for a condition")
