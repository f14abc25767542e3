"""Benchmark: the manager dashboard (and the reports page) rendered through Django's test Client.

Intended for the large demo on PostgreSQL:

    createdb -h 127.0.0.1 -U postgres mentoring_large
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentoring_large DEBUG=true
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_demo --scale large
    psql -h 127.0.0.1 -U postgres mentoring_large -c ANALYZE   # fresh statistics after the bulk load
    .venv/bin/python bench/bench_dashboard.py --runs 50

Runs against whatever DATABASE_URL says (read-only apart from sessions and audit rows). Signs in
as the demo admin and the demo manager with `force_login` (two-factor recorded in the session,
as after a real TOTP step) and measures, `--runs` times after a warm-up: the dashboard page (the
"needs attention" lists), the program-health partial it loads through htmx (cached, as users get
it) and, `--cold-runs` times, the same partial with the cache off and the 30-day reports page.
Prints median and p99 in milliseconds, the query count, and the slowest queries of one render.
Results go in docs/dashboard.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed renders per page and user")
    parser.add_argument("--warmup", type=int, default=3, help="untimed renders first")
    parser.add_argument("--admin", default="admin@example.com")
    parser.add_argument("--manager", default="manager@example.com")
    parser.add_argument("--cold-runs", type=int, default=5, help="renders of uncached health")
    return parser.parse_args()


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring_site.settings")
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()


def print_database(**models) -> None:
    """A run's first lines: which database, and how many rows of each model (by label)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    print(f"database: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}")
    counts = ", ".join(f"{model.objects.count():,} {label}" for label, model in models.items())
    print(f"data: {counts}")


def record_mfa(client, user) -> None:
    """The session looks as it does after a real TOTP step (the staff two-factor gate)."""
    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from allauth.mfa.models import Authenticator

    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {
            "method": "mfa",
            "at": time.time(),
            "id": authenticator.pk if authenticator else 0,
            "type": "totp",
        }
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()


class QueryTimer:
    """execute_wrapper that records (milliseconds, sql) for each query of one render."""

    def __init__(self) -> None:
        self.queries: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(((time.perf_counter() - start) * 1000, sql))


def p99(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def bench(client, path: str, runs: int, warmup: int, headers: dict) -> dict:
    from django.db import connection

    for _ in range(warmup):
        response = client.get(path, **headers)
        if response.status_code != 200:
            sys.exit(f"{path} answered {response.status_code}; is the user signed in and staff?")
    # What a web process has done by now (mentoring_site/wsgi.py, gc_freeze.py): the objects
    # every request shares are out of the collector's way.
    from mentoring_site import gc_freeze

    gc_freeze.freeze()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path, **headers)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    timer = QueryTimer()
    with connection.execute_wrapper(timer):
        client.get(path, **headers)
    return {
        "median": statistics.median(timings),
        "p99": p99(timings),
        "queries": len(timer.queries),
        "slowest": sorted(timer.queries, reverse=True)[:3],
    }


HTMX = {"HTTP_HX_REQUEST": "true"}


def measurements(args) -> list[tuple[str, str, dict, int, int, bool]]:
    """(label, path, headers, runs, warm-up, cold): what one user's run measures."""
    return [
        ("dashboard page", "/dashboard/", {}, args.runs, args.warmup, False),
        ("health (cached)", "/dashboard/health/", HTMX, args.runs, args.warmup, False),
        ("health (cold)", "/dashboard/health/", HTMX, args.cold_runs, 1, True),
        ("reports, 30 days", "/reports/", {}, args.cold_runs, 1, False),
    ]


def main() -> None:
    args = parse_args()
    setup_django()
    from django.db import connection
    from django.test import Client

    from activity_log.models import ContactLog
    from matching.models import Pairing
    from mentoring_site.models import User
    from mentors.models import Mentor
    from residents.models import Resident

    print_database(residents=Resident, mentors=Mentor, pairings=Pairing, contacts=ContactLog)
    from django.core.management import call_command
    from django.test.utils import override_settings

    call_command("createcachetable")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"runs: {args.runs} ({args.cold_runs} cold) after a warm-up; load {load}\n")
    print(f"{'user':<24}{'measure':<20}{'median ms':>10}{'p99 ms':>10}{'queries':>9}")
    slow_report = []
    for email in (args.admin, args.manager):
        user = User.objects.filter(email=email).first()
        if user is None:
            sys.exit(f"No user {email}: run `manage.py seed_demo` (with --scale large) first.")
        client = Client(HTTP_HOST="localhost")
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        record_mfa(client, user)
        for label, path, headers, runs, warmup, cold in measurements(args):
            with override_settings(DASHBOARD_HEALTH_CACHE_SECONDS=0 if cold else 300):
                result = bench(client, path, runs, warmup, headers)
            print(
                f"{email:<24}{label:<20}{result['median']:>10.1f}{result['p99']:>10.1f}"
                f"{result['queries']:>9}"
            )
            slow_report.append((email, label, result["slowest"]))
    print("\nslowest queries of one render:")
    for email, path, slowest in slow_report:
        for ms, sql in slowest:
            print(f"  {email} {path} {ms:7.1f} ms  {' '.join(sql.split())[:110]}")
    connection.close()


if __name__ == "__main__":
    main()
