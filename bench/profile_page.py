"""Profile one page with cProfile, with the settings bench_http.py serves (DEBUG=false).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentoring_large VAR_DIR=/tmp/var-large \
        .venv/bin/python bench/profile_page.py --user mentor@example.com /my/ --runs 50

Signs the user in (two-factor recorded for staff), requests the path `--warmup` times, then
`--runs` times under cProfile, and prints the top functions by cumulative and own time, plus
the number of templates rendered and queries run by one request. `--user ''` is signed out.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_http import server_env, session_cookie  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--user", default="mentor@example.com")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument(
        "--queries", action="store_true", help="print each query of one request, with its time"
    )
    args = parser.parse_args()
    os.environ.update(server_env(args))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.signals import template_rendered
    from django.test.utils import (
        CaptureQueriesContext,
        setup_test_environment,
        teardown_test_environment,
    )

    client = Client(HTTP_HOST="localhost")
    if args.user:
        name, value = session_cookie(args.user).split("=", 1)
        client.cookies[name] = value
    for _ in range(args.warmup):
        response = client.get(args.path)
    print(f"status {response.status_code}, {len(response.content):,} bytes")
    rendered = []

    def count(sender, template, **kwargs):
        rendered.append(template.name)

    setup_test_environment()  # template_rendered is sent only in a test environment
    template_rendered.connect(count)
    with CaptureQueriesContext(connection) as queries:
        client.get(args.path)
    template_rendered.disconnect(count)
    teardown_test_environment()
    print(f"{len(queries)} queries, {len(rendered)} template renders")
    if args.queries:
        for query in queries.captured_queries:
            print(f"  {float(query['time']) * 1000:6.2f} ms  {query['sql'][:300]}")
    start = time.perf_counter()
    for _ in range(args.runs):
        client.get(args.path)
    print(f"{(time.perf_counter() - start) * 1000 / args.runs:.1f} ms a request (not profiled)")
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    for _ in range(args.runs):
        client.get(args.path)
    profile.disable()
    print(f"{(time.perf_counter() - start) * 1000 / args.runs:.1f} ms a request (profiled)")
    stats = pstats.Stats(profile).strip_dirs()
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
