"""Locust load for bench/cluster.sh: mentors logging contacts and managers reading, on two hosts.

Started by bench/cluster.sh (headless, bounded --run-time); configured by environment variables:
- CLUSTER_HOSTS: the web hosts, comma-separated (http://127.0.0.2:PORT,http://127.0.0.3:PORT);
- CLUSTER_ACCOUNTS: JSON written by bench/cluster_setup.py (accounts: email, role, password, totp);
- CLUSTER_OUT: folder for posted.jsonl (every contact POST and its answer) and locust_summary.json;
- CLUSTER_MENTOR_WAIT / CLUSTER_MANAGER_WAIT: "min,max" seconds between a user's tasks;
- CLUSTER_URGENT_SHARE: share of logged contacts flagged urgent (each alerts the house managers).

Each simulated user signs in once through the real forms (staff through the TOTP step) from its
own loopback address (127.1.x.y, a phone or laptop of its own: the sign-in rate limit is per IP),
has a home host (users alternate) and keeps its session for the run. On a connection error it
marks that host dead and repeats the request on the other one: the session lives in PostgreSQL,
so it stays signed in. In production one name fronts both hosts; here the two hosts have two
addresses, so cookies are kept per user by hand rather than per host by a cookie jar (which
would also hold back the Secure cookies of DEBUG=false over plain http).

A contact is logged one of three ways, all with the form's idempotency key: once; a double tap
(the same POST to both hosts at once); a retried POST (the same POST again after the answer).
Every POST and its answer goes to posted.jsonl for bench/cluster_check.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import random
import re
import struct
import time
from collections import Counter
from pathlib import Path

import gevent
from locust import HttpUser, between, events, task
from locust.clients import LocustHttpAdapter

HOSTS = [h.strip().rstrip("/") for h in os.environ.get("CLUSTER_HOSTS", "").split(",") if h]
OUT = Path(os.environ.get("CLUSTER_OUT", "."))
URGENT_SHARE = float(os.environ.get("CLUSTER_URGENT_SHARE", "0.02"))


def _wait(name: str, default: str):
    low, high = (float(x) for x in os.environ.get(name, default).split(","))
    return between(low, high)


def _accounts(role: str) -> list[dict]:
    path = os.environ.get("CLUSTER_ACCOUNTS")
    if not path:
        return []
    return [a for a in json.loads(Path(path).read_text())["accounts"] if a["role"] == role]


MENTORS, MANAGERS = _accounts("mentor"), _accounts("manager")
_next_mentor, _next_manager, _next_index = itertools.count(), itertools.count(), itertools.count()

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY_INPUT = re.compile(r'name="idempotency_key" value="([0-9a-f-]{36})"')
HAPPENED_INPUT = re.compile(r'name="happened_at" value="([^"]+)"')
LOG_LINK = re.compile(r"/my/pairings/(\d+)/log/")
RESIDENT_LINK = re.compile(r'href="/residents/(\d+)/"')
SAVED = re.compile(r"/contacts/(\d+)/saved/$")
HTMX = {"HX-Request": "true"}

# Counters for locust_summary.json (one Locust process; gevent switches only on I/O).
STATUS = Counter()
CONNECTION_ERRORS = Counter()
FAILOVERS = Counter()
_posted_file = None


def totp(secret: str, at: float | None = None, digits: int = 6, period: int = 30) -> str:
    """RFC 6238 code for a base32 secret (what an authenticator app shows)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // period)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def record_post(entry: dict) -> None:
    global _posted_file
    if _posted_file is None:
        _posted_file = open(OUT / "posted.jsonl", "a", encoding="utf-8")  # noqa: SIM115
    _posted_file.write(json.dumps(entry) + "\n")
    _posted_file.flush()


class SourceAddressAdapter(LocustHttpAdapter):
    """Connections from one loopback address, so each simulated user has its own client IP."""

    def __init__(self, source_ip: str):
        self.source_ip = source_ip
        super().__init__(pool_manager=None)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source_ip, 0)
        super().init_poolmanager(*args, **kwargs)


class ClusterUser(HttpUser):
    abstract = True
    host = HOSTS[0] if HOSTS else "http://127.0.0.2:8000"

    def on_start(self) -> None:
        index = next(_next_index)
        self.source_ip = f"127.1.{index // 200}.{index % 200 + 1}"
        self.client.mount("http://", SourceAddressAdapter(self.source_ip))
        self.hosts = HOSTS[index % len(HOSTS) :] + HOSTS[: index % len(HOSTS)]
        self.dead: set[str] = set()
        self.cookies: dict[str, str] = {}
        self.signed_in = False
        self.sign_in()

    # --- one request, with failover -------------------------------------------------------------

    def live_hosts(self) -> list[str]:
        alive = [h for h in self.hosts if h not in self.dead]
        return alive or list(self.hosts)

    def call(self, method: str, path: str, name: str, *, host: str | None = None, **kwargs):
        """One request to the user's live host, with failover; None when no host answered.

        Refused: the host is down, so it is marked dead and the next one is asked. Dropped (a
        reset, or a keep-alive connection the server closed as we reused it): asked once more
        before moving on, as a browser does. 5xx answers are failures.
        """
        candidates = self.live_hosts()
        if host is not None and host in candidates:
            candidates = [host] + [h for h in candidates if h != host]
        attempts = [h for h in candidates for _ in (0, 1)]  # each host at most twice
        headers = dict(kwargs.pop("headers", {}) or {})
        while attempts:
            base = attempts.pop(0)
            if base in self.dead and len(self.dead) < len(self.hosts):
                continue
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            with self.client.request(
                method,
                base + path,
                name=name,
                headers=headers,
                allow_redirects=False,
                catch_response=True,
                **kwargs,
            ) as response:
                self.client.cookies.clear()  # ours are kept in self.cookies, for every host
                if response.status_code == 0:
                    refused = "refused" in repr(response.error).lower()
                    CONNECTION_ERRORS[f"{base} {'refused' if refused else 'dropped'}"] += 1
                    response.failure(
                        f"{'refused' if refused else 'dropped'}: {type(response.error).__name__}"
                    )
                    if refused and base not in self.dead:
                        self.dead.add(base)
                        FAILOVERS[base] += 1
                    continue
                STATUS[f"{response.status_code // 100}xx"] += 1
                for cookie in response.cookies:
                    self.cookies[cookie.name] = cookie.value
                if response.status_code >= 500:
                    STATUS[f"5xx {name}"] += 1
                    response.failure(f"{response.status_code} on {name}")
                elif response.status_code >= 400:
                    response.failure(f"{response.status_code} on {name}")
                elif response.status_code == 302 and "/accounts/login/" in response.headers.get(
                    "Location", ""
                ):
                    response.failure(f"signed out on {name}")
                    self.signed_in = False
                else:
                    response.success()
                return response
        return None

    # --- sign-in through the real forms ---------------------------------------------------------

    def sign_in(self) -> None:
        page = self.call("GET", "/accounts/login/", "sign in form")
        if page is None or page.status_code not in (200, 302):
            return
        location = page.headers.get("Location", "")
        if page.status_code == 200:
            answer = self.call(
                "POST",
                "/accounts/login/",
                "sign in",
                data={
                    "login": self.account["email"],
                    "password": self.account["password"],
                    "csrfmiddlewaretoken": CSRF_INPUT.search(page.text).group(1),
                },
            )
            if answer is None or answer.status_code != 302:
                return
            location = answer.headers.get("Location", "")
        if "/accounts/login/" in location:
            return
        if "/2fa/authenticate/" in location:
            answer = None
            for _ in range(3):
                form = self.call("GET", "/accounts/2fa/authenticate/", "sign in: TOTP form")
                if form is None or form.status_code != 200:
                    return
                # A fresh 30-second window for each try: allauth refuses a code used before,
                # and starting early in the window leaves a slow server time to check it.
                gevent.sleep(30 - time.time() % 30 + 0.5)
                answer = self.call(
                    "POST",
                    "/accounts/2fa/authenticate/",
                    "sign in: TOTP",
                    data={
                        "code": totp(self.account["totp"]),
                        "csrfmiddlewaretoken": CSRF_INPUT.search(form.text).group(1),
                    },
                )
                if answer is None or answer.status_code == 302:
                    break
            if answer is None or answer.status_code != 302:
                return
        self.signed_in = True

    def ensure_signed_in(self) -> bool:
        if not self.signed_in:
            self.sign_in()
        return self.signed_in


class MentorUser(ClusterUser):
    wait_time = _wait("CLUSTER_MENTOR_WAIT", "10,30")
    fixed_count = 0  # set from the accounts below

    def on_start(self) -> None:
        self.account = MENTORS[next(_next_mentor) % len(MENTORS)]
        self.pairings: list[int] = []
        super().on_start()

    def my_mentees(self) -> None:
        page = self.call("GET", "/my/", "mentor: my mentees")
        if page is not None and page.status_code == 200:
            self.pairings = sorted({int(p) for p in LOG_LINK.findall(page.text)})

    @task(3)
    def open_my_mentees(self) -> None:
        if self.ensure_signed_in():
            self.my_mentees()

    @task(4)
    def log_contact(self) -> None:
        if not self.ensure_signed_in():
            return
        if not self.pairings:
            self.my_mentees()
        if not self.pairings:
            return
        pairing = random.choice(self.pairings)
        path = f"/my/pairings/{pairing}/log/"
        form = self.call("GET", path, "mentor: log contact form")
        if form is None or form.status_code != 200:
            return
        key = KEY_INPUT.search(form.text).group(1)
        urgent = random.random() < URGENT_SHARE
        data = {
            "csrfmiddlewaretoken": CSRF_INPUT.search(form.text).group(1),
            "idempotency_key": key,
            "happened_at": HAPPENED_INPUT.search(form.text).group(1),
            "method": random.choice(["in_person", "phone", "text"]),
            "duration_minutes": random.choice(["15", "30", "45"]),
            "concern_level": "urgent" if urgent else "none",
            "concern_note": "Bench: asked for a call back" if urgent else "",
        }
        roll = random.random()
        mode = "single" if roll < 0.6 else ("double_tap" if roll < 0.8 else "retry")
        if mode == "double_tap":
            # Two taps in the same instant; behind a load balancer they may reach both hosts.
            targets = (self.live_hosts() * 2)[:2]
            jobs = [gevent.spawn(self.post_contact, path, data, target, mode) for target in targets]
            gevent.joinall(jobs)
            answers = [job.value for job in jobs]
        else:
            answers = [self.post_contact(path, data, None, mode)]
            if mode == "retry":
                # The phone lost the answer and sends the same form again.
                answers.append(self.post_contact(path, data, None, mode))
        if not any(answers):
            # No answer at all (the host died with the request): the phone sends the draft again.
            gevent.sleep(5)
            answers.append(self.post_contact(path, data, None, mode))
        saved = next((a for a in answers if a), None)
        if saved:
            self.call("GET", saved, "mentor: contact saved")

    def post_contact(self, path: str, data: dict, host: str | None, mode: str) -> str | None:
        started = time.time()
        answer = self.call("POST", path, "mentor: log contact POST", host=host, data=data)
        location = answer.headers.get("Location", "") if answer is not None else ""
        record_post(
            {
                "key": data["idempotency_key"],
                "pairing": int(path.split("/")[3]),
                "mode": mode,
                "urgent": data["concern_level"] == "urgent",
                "status": answer.status_code if answer is not None else 0,
                "contact": int(m.group(1)) if (m := SAVED.search(location)) else None,
                "host": answer.url.split("/", 3)[2] if answer is not None else "",
                "user": self.account["email"],
                "at": started,
            }
        )
        return location if SAVED.search(location) else None

    @task(1)
    def history(self) -> None:
        if self.ensure_signed_in() and self.pairings:
            pairing = random.choice(self.pairings)
            self.call("GET", f"/pairings/{pairing}/contacts/", "mentor: pairing history")

    @task(1)
    def progress(self) -> None:
        if self.ensure_signed_in():
            self.call("GET", "/my/progress/", "mentor: my progress")


class ManagerUser(ClusterUser):
    wait_time = _wait("CLUSTER_MANAGER_WAIT", "5,15")
    fixed_count = 0

    def on_start(self) -> None:
        self.account = MANAGERS[next(_next_manager) % len(MANAGERS)]
        self.residents: list[int] = []
        super().on_start()

    @task(3)
    def dashboard(self) -> None:
        if self.ensure_signed_in():
            self.call("GET", "/dashboard/", "manager: dashboard")
            self.call("GET", "/dashboard/health/", "manager: dashboard health", headers=HTMX)

    @task(1)
    def resident_list(self) -> None:
        if self.ensure_signed_in():
            page = self.call("GET", "/residents/", "manager: resident list")
            if page is not None and page.status_code == 200:
                self.residents = sorted({int(r) for r in RESIDENT_LINK.findall(page.text)})

    @task(3)
    def resident_page(self) -> None:
        if not self.ensure_signed_in():
            return
        if not self.residents:
            self.resident_list()
        if not self.residents:
            return
        resident = random.choice(self.residents)
        self.call("GET", f"/residents/{resident}/", "manager: resident page")
        self.call(
            "GET", f"/matching/residents/{resident}/", "manager: resident pairings", headers=HTMX
        )
        self.call(
            "GET", f"/residents/{resident}/timeline/", "manager: resident timeline", headers=HTMX
        )

    @task(1)
    def reports(self) -> None:
        if self.ensure_signed_in():
            self.call("GET", "/reports/", "manager: reports")


# Exactly one simulated user per prepared account, whatever -u says beyond their sum.
MentorUser.fixed_count = len(MENTORS)
ManagerUser.fixed_count = len(MANAGERS)


@events.quitting.add_listener
def write_summary(environment, **_kwargs) -> None:
    summary = {
        "status": dict(STATUS),
        "connection_errors": dict(CONNECTION_ERRORS),
        "failovers": dict(FAILOVERS),
        "mentors": len(MENTORS),
        "managers": len(MANAGERS),
    }
    (OUT / "locust_summary.json").write_text(json.dumps(summary, indent=1))
    if _posted_file is not None:
        _posted_file.close()
