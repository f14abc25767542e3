"""Benchmark: pages under load through gunicorn, measured with wrk, compared with a floor page.

Needs the large demo on PostgreSQL and wrk (Debian: `apt-get install -y wrk`):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentoring_large VAR_DIR=/tmp/var-large \
        .venv/bin/python bench/bench_http.py

What it does, all on loopback and bounded in time:
1. collects static files into the bench's own folder (production storage needs the manifest);
2. signs in the demo mentor, manager and admin by writing their sessions with Django's session
   store (staff sessions record a passed TOTP step, as tests/conftest.py does);
3. starts gunicorn (2 sync workers) with production settings (DEBUG=false; SECURE_SSL_REDIRECT
   off for plain http) through `bench.http_site.settings`, which adds the "floor" view
   /bench/floor/ (same middleware, signed in, one query, a one-line template);
4. runs `wrk -t2 -c8 -d<duration>` per page with the session cookie, with a floor run before
   and after every page (the load of a shared machine drifts within minutes);
5. prints req/s, p50, p99, the ratio to the floor (mean of the floor runs on either side) and
   pass/fail per target (issue 15), then stops gunicorn by its PID.

Redis db 7 is the cache by default (`--redis-url ''` for the database cache). Read-only apart
from sessions, audit rows and the cache. Figures go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SETTINGS = "bench.http_site.settings"


@dataclass
class Page:
    label: str
    user: str  # "mentor", "manager", "admin" or "" for signed out
    path: str
    # ("ratio", minimum share of the floor's req/s) or ("p50", maximum milliseconds)
    target: tuple[str, float] | None


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=0, help="0: a free loopback port")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--only", default="", help="comma-separated page labels (and the floor)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure every page this many times; each page's median round is reported",
    )
    parser.add_argument("--mentor", default="mentor@example.com")
    parser.add_argument("--manager", default="manager@example.com")
    parser.add_argument("--admin", default="admin@example.com")
    return parser.parse_args()


def server_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        SECRET_KEY=env.get("SECRET_KEY")
        or "bench-only-secret-key-not-for-production-use-0123456789",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
        CELERY_QUEUE="bench-http",
    )
    env["REDIS_URL"] = args.redis_url
    env.setdefault("CACHE_KEY_PREFIX", "bench-http")
    return env


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def collect_static(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"],
        env=env,
        check=True,
        timeout=300,
    )


def session_cookie(email: str) -> str:
    """A signed-in session for `email`, saved in the session store the server reads."""
    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from allauth.mfa.models import Authenticator
    from django.conf import settings
    from django.test import Client

    from mentoring_site.models import User

    user = User.objects.get(email=email)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is not None:
        session = client.session
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "mfa", "at": time.time(), "id": authenticator.pk, "type": "totp"}
        ]
        session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
        session.save()
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def pages(args: argparse.Namespace) -> list[Page]:
    from django.urls import reverse

    from matching.models import Pairing
    from mentoring_site.models import User
    from residents.models import Resident

    mentor = User.objects.get(email=args.mentor)
    manager = User.objects.get(email=args.manager)
    pairing = Pairing.objects.visible_to(mentor).active().order_by("pk").first()
    resident = Resident.objects.visible_to(manager).active().order_by("pk").first()
    return [
        # No target: the floor plus the site's layout and one audit row (bench/http_site/urls.py).
        Page("reference: layout + audit", "mentor", reverse("bench_layout"), None),
        Page("mentor: my mentees", "mentor", reverse("activity_log:my_mentees"), ("ratio", 0.60)),
        Page(
            "mentor: log form",
            "mentor",
            reverse("activity_log:contact_new", args=[pairing.pk]),
            ("ratio", 0.60),
        ),
        Page("manager: dashboard", "manager", reverse("activity_log:dashboard"), ("ratio", 0.25)),
        Page("admin: dashboard", "admin", reverse("activity_log:dashboard"), ("ratio", 0.25)),
        Page("admin: resident list", "admin", reverse("residents:list"), ("ratio", 0.35)),
        Page(
            "manager: resident page",
            "manager",
            reverse("residents:detail", args=[resident.pk]),
            ("ratio", 0.35),
        ),
        Page("admin: reports, 30 days", "admin", reverse("activity_log:reports"), ("p50", 100.0)),
        Page("signed out: sign-in page", "", reverse("account_login"), ("ratio", 1.0)),
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(args: argparse.Namespace, env: dict[str, str], port: int) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [
        str(gunicorn),
        "mentoring_site.wsgi:application",
        "--workers",
        str(args.workers),
        "--bind",
        f"127.0.0.1:{port}",
        # gunicorn 27's control socket cannot be created in this sandbox; nothing needs it.
        "--no-control-socket",
        "--timeout",
        "60",
    ]
    log = open(Path(env.get("VAR_DIR", "/tmp")) / "bench-http-gunicorn.log", "w")  # noqa: SIM115
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def get(url: str, cookie: str, timeout: float = 30) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wait_until_up(base: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn exited; see bench-http-gunicorn.log under VAR_DIR")
        try:
            if get(f"{base}/accounts/login/", "", timeout=5) == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit("gunicorn did not answer within a minute")


def drain(base: str, floor: Page, cookie: str, workers: int) -> None:
    """wrk hangs up with requests still queued in gunicorn: let them finish before the next run."""
    for _ in range(workers * 2):
        get(base + floor.path, cookie, timeout=120)


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * UNITS[unit]


def run_wrk(args: argparse.Namespace, url: str, cookie: str) -> Result:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "10s",
        "--latency",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=args.duration + 60
    ).stdout
    if re.search(r"\b0 requests in", output):
        return Result(0.0, float("nan"), float("nan"), 0)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    timeouts = re.search(r"timeout (\d+)", output)
    count = (int(errors.group(1)) if errors else 0) + (int(timeouts.group(1)) if timeouts else 0)
    return Result(rps, p50, p99, count)


def verdict(page: Page, result: Result, floor_rps: float) -> str:
    if page.target is None:
        return ""
    kind, value = page.target
    if kind == "ratio":
        ok = result.rps >= value * floor_rps
        return f"{'PASS' if ok else 'FAIL'} (>= {value:.0%} of floor)"
    ok = result.p50_ms < value
    return f"{'PASS' if ok else 'FAIL'} (p50 < {value:.0f} ms)"


def main() -> None:
    args = parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed. On Debian/Ubuntu: apt-get install -y wrk")
    env = server_env(args)
    collect_static(env)
    setup_django(env)
    from django.conf import settings
    from django.urls import reverse

    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        print("warning: not PostgreSQL; the targets are set for the large demo on PostgreSQL")
    cookies = {
        "mentor": session_cookie(args.mentor),
        "manager": session_cookie(args.manager),
        "admin": session_cookie(args.admin),
        "": "",
    }
    chosen = pages(args)
    if args.only:
        wanted = {label.strip() for label in args.only.split(",")}
        # A label may hold a comma ("admin: reports, 30 days"): the whole string counts too.
        chosen = [p for p in chosen if p.label in wanted or p.label in args.only]
    floor = Page("floor (signed in)", "mentor", reverse("bench_floor"), None)

    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(args, env, port)
    try:
        wait_until_up(base, server)
        for page in [floor, *chosen]:
            status = get(base + page.path, cookies[page.user])
            if status != 200:
                sys.exit(f"{page.label}: {page.path} answered {status}, not 200")
            for _ in range(3):  # warm both workers (imports, connections, template caches)
                get(base + page.path, cookies[page.user])
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"database {db['NAME']}; gunicorn {args.workers} sync workers on {base}")
        print(
            f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s per page; "
            f"load before: {load}\n"
        )
        # The floor before and after every page: the machine's load drifts within a run, and
        # the ratio to the floor measured beside each page is what the targets are about.
        rounds: dict[str, list[tuple[Result, float]]] = {page.label: [] for page in chosen}
        floors = []
        for _round in range(max(args.rounds, 1)):
            before = run_wrk(args, base + floor.path, cookies["mentor"])
            floors.append(before)
            for page in chosen:
                drain(base, floor, cookies["mentor"], args.workers)
                result = run_wrk(args, base + page.path, cookies[page.user])
                drain(base, floor, cookies["mentor"], args.workers)
                after = run_wrk(args, base + floor.path, cookies["mentor"])
                floors.append(after)
                # The mean of the floor runs just before and just after this page.
                rounds[page.label].append((result, (before.rps + after.rps) / 2))
                before = after
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    print(f"{'page':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'floor':>8}{'/floor':>8}  target")
    failed = 0
    spread = []
    for page in chosen:
        measured = sorted(rounds[page.label], key=lambda r: r[0].rps / r[1])
        result, floor_rps = measured[len(measured) // 2]  # the median round
        line = verdict(page, result, floor_rps)
        failed += line.startswith("FAIL")
        note = f"  ({result.errors} errors or timeouts)" if result.errors else ""
        print(
            f"{page.label:<28}{result.rps:>9.1f}{result.p50_ms:>9.1f}{result.p99_ms:>9.1f}"
            f"{floor_rps:>8.1f}{result.rps / floor_rps:>8.2f}  {line}{note}"
        )
        if len(measured) > 1:
            ratios = ", ".join(f"{r.rps / f:.2f}" for r, f in rounds[page.label])
            spread.append(f"  {page.label}: {ratios}")
    if spread:
        print("\n/floor in each round (the median round is shown above):")
        print("\n".join(spread))
    runs = ", ".join(f"{f.rps:.0f}" for f in floors)
    print(f"\nfloor runs (req/s, in order): {runs}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load after: {load}")
    targets = sum(page.target is not None for page in chosen)
    print(f"{targets - failed} of {targets} targets met")


if __name__ == "__main__":
    main()
