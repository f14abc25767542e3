"""The production smoke test's two helpers (run by .ci/production-smoke, stdlib + Playwright only).

production_smoke.py smtp-sink --port N --dir D
    A tiny SMTP server on 127.0.0.1:N that writes each message it accepts to D/<n>.eml.

production_smoke.py crawl --base URL --mail-dir D --interval S
    Signs in as each demo account through the real sign-in form and two-factor step, visits
    every page the menus reach and one level below (bounded), and fails on any 4xx/5xx
    response a user would hit (pages, htmx partials, static files), on browser console
    errors, and when an urgent-concern alert logged through the mentor's form is not in the
    sink within two beat intervals. Prints a summary; never prints names or notes.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import os
import re
import socketserver
import struct
import sys
import time
from collections import Counter
from email import message_from_bytes
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

PASSWORD = "recovery-demo"  # noqa: S105 - the demo accounts' documented password
TOTP_SECRET = "JBSWY3DPEHPK3PXP"
ACCOUNTS = [
    "admin@example.com",
    "manager@example.com",
    "manager2@example.com",
    "mentor@example.com",
    "mentor2@example.com",
]
# Links a crawler must not follow: they sign out. (Downloads are fetched, not opened; forms that
# POST are not links.)
SKIP = re.compile(r"logout")
MAX_PAGES_PER_ACCOUNT = 70
MAX_PER_SHAPE = 2
CHROMIUM = "/usr/bin/chromium"
VERBOSE = bool(os.environ.get("SMOKE_VERBOSE"))  # print every page visited


# --- SMTP sink --------------------------------------------------------------------------------


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's backend: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    timeout = 30

    def _reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self._reply("220 smoke-sink ESMTP")
        recipients: list[str] = []
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            command = raw.decode("utf-8", "replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250 smoke-sink")
            elif verb == "MAIL":
                recipients = []
                self._reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    line = self.rfile.readline(1 << 20)
                    if not line or line in (b".\r\n", b".\n"):
                        break
                    lines.append(line[1:] if line.startswith(b"..") else line)
                self.server.store(recipients, b"".join(lines))
                self._reply("250 OK: queued")
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            elif verb in ("RSET", "NOOP"):
                recipients = [] if verb == "RSET" else recipients
                self._reply("250 OK")
            else:
                self._reply("502 Command not implemented")


class _SMTPSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, folder: Path):
        super().__init__(("127.0.0.1", port), _SMTPHandler)
        self.folder = folder
        self.count = 0

    def store(self, recipients: list[str], data: bytes) -> None:
        self.count += 1
        name = f"{time.time():.3f}-{self.count:04d}"
        header = f"X-Smoke-Recipients: {', '.join(recipients)}\r\n".encode()
        (self.folder / f"{name}.tmp").write_bytes(header + data)
        (self.folder / f"{name}.tmp").rename(self.folder / f"{name}.eml")


def smtp_sink(port: int, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with _SMTPSink(port, folder) as server:
        print(f"smtp-sink listening on 127.0.0.1:{port}", flush=True)
        server.serve_forever()


def read_mail(folder: Path) -> list[dict]:
    messages = []
    for path in sorted(folder.glob("*.eml")):
        message = message_from_bytes(path.read_bytes())
        subject = str(message.get("Subject", ""))
        messages.append(
            {
                "at": float(path.name.split("-")[0]),
                "to": str(message.get("X-Smoke-Recipients", "")),
                "kind": "urgent alert" if subject.lower().startswith("urgent") else "reminder",
            }
        )
    return messages


# --- TOTP (RFC 6238), as an authenticator app computes it ------------------------------------


def totp_code(secret: str, period: int = 30) -> str:
    remaining = period - time.time() % period
    if remaining < 3:  # the server accepts the current period only: do not race its end
        time.sleep(remaining + 0.2)
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // period), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


# --- Crawler ----------------------------------------------------------------------------------


class Crawl:
    def __init__(self, browser, base: str):
        self.browser = browser
        self.base = base.rstrip("/")
        self.origin = urlparse(self.base).netloc
        self.failures: list[str] = []
        self.statuses: Counter[int] = Counter()
        self.static: dict[str, int] = {}
        self.pages: dict[str, int] = {}

    def same_origin(self, url: str) -> bool:
        return urlparse(url).netloc == self.origin

    def _watch(self, page, account: str) -> None:
        page.in_flight = 0
        page.console = []
        page.trail = []  # the last responses, for a failure message

        def on_request(request):
            page.in_flight += 1

        def on_done(request):
            page.in_flight -= 1

        def on_failed(request):
            page.in_flight -= 1
            failure = request.failure or ""
            if self.same_origin(request.url) and "ERR_ABORTED" not in failure:
                self.failures.append(f"{account}: {request.url} failed: {failure}")

        def on_response(response):
            if not self.same_origin(response.url):
                return
            path = urlparse(response.url).path
            page.trail = [*page.trail[-29:], f"{response.request.method} {path} {response.status}"]
            self.statuses[response.status] += 1
            if path.startswith("/static/"):
                self.static[path] = response.status
                if response.status != 200:
                    self.failures.append(f"{account}: static {path} answered {response.status}")
            elif response.status >= 400:
                self.failures.append(
                    f"{account}: {response.request.method} {path} answered {response.status}"
                )

        page.on("request", on_request)
        page.on("requestfinished", on_done)
        page.on("requestfailed", on_failed)
        page.on("response", on_response)
        page.on("console", lambda m: page.console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: page.console.append(f"Uncaught: {exc}"))

    def settle(self, page) -> None:
        """Waits (bounded) until the page's own requests (htmx partials, images) are done."""
        page.wait_for_load_state("load")
        deadline = time.monotonic() + 10
        while page.in_flight > 0 and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        page.wait_for_timeout(50)
        for text in page.console:
            self.failures.append(f"console error on {urlparse(page.url).path}: {text}")
        page.console.clear()

    @staticmethod
    def _submit_of(page, field: str):
        """The submit button of the form holding `field` (the page may have others, e.g. the
        two-factor page's "Cancel", which signs out)."""
        return page.locator("form", has=page.locator(field)).locator("[type=submit]").first

    def check_static(self, page, account: str) -> None:
        """Static files the page names that the browser did not load (an icon, a print style)."""
        named = page.eval_on_selector_all(
            "link[href], script[src], img[src]", "els => els.map(e => e.href || e.src)"
        )
        for url in named:
            path = urlparse(url).path
            if self.same_origin(url) and path.startswith("/static/") and path not in self.static:
                status = page.context.request.get(url).status
                self.static[path] = status
                if status != 200:
                    self.failures.append(f"{account}: static {path} answered {status}")

    def sign_in(self, page, account: str) -> None:
        page.goto(self.base + "/")
        page.wait_for_url(re.compile(r"/accounts/login/"))
        page.fill("input[name=login]", account)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            self._submit_of(page, "input[name=login]").click()
        # Follow whatever steps the sign-in flow has (allauth's two-factor step, a reauthenticate
        # page): any page asking for a code gets the current TOTP code, at most three times.
        for _ in range(3):
            page.wait_for_load_state("load")
            code = page.locator("input[name=code]")
            if code.count() == 0:
                break
            code.fill(totp_code(TOTP_SECRET))
            with page.expect_navigation():
                self._submit_of(page, "input[name=code]").click()
        self.settle(page)
        if "/accounts/login/" in page.url or page.locator("#main-nav").count() == 0:
            shown = page.locator(".alert, .errorlist, .invalid-feedback, h1").all_inner_texts()
            raise SystemExit(
                f"FAIL: {account} could not sign in (ended on {page.url}; the page says "
                f"{' | '.join(t.strip() for t in shown)[:300]!r}; last responses: {page.trail}; "
                f"{self.failures[:5]})"
            )

    def visit(self, page, url: str, account: str) -> list[str]:
        """Opens url like a user would and returns the same-origin links on it."""
        path = urlparse(url).path
        try:
            response = page.goto(url)
        except Exception as exc:  # noqa: BLE001 - a download is not a page
            if "Download is starting" not in str(exc):
                self.failures.append(f"{account}: {path}: {exc}")
                return []
            status = page.context.request.get(url).status
            self.pages[path] = status
            if status != 200:
                self.failures.append(f"{account}: download {path} answered {status}")
            return []
        self.settle(page)
        self.pages[path] = response.status if response else 0
        if VERBOSE:
            print(f"  {account} {self.pages[path]} {path}", flush=True)
        if "/accounts/login/" in page.url:
            self.failures.append(f"{account}: {path} sent a signed-in user to the sign-in page")
            return []
        self.check_static(page, account)
        hrefs = page.eval_on_selector_all(
            "main a[href], #main-nav a[href]", "els => els.map(e => e.href)"
        )
        return hrefs

    def crawl(self, page, account: str) -> int:
        seen: set[str] = set()
        shapes: Counter[str] = Counter()
        visited = 0

        def wanted(href: str) -> str | None:
            href, _ = urldefrag(urljoin(page.url, href))
            parsed = urlparse(href)
            if parsed.scheme not in ("http", "https") or not self.same_origin(href):
                return None
            if href in seen or SKIP.search(parsed.path):
                return None
            shape = (
                re.sub(r"\d+", "<n>", parsed.path)
                + "?"
                + ",".join(sorted(p.split("=")[0] for p in parsed.query.split("&") if p))
            )
            if shapes[shape] >= MAX_PER_SHAPE:
                return None
            seen.add(href)
            shapes[shape] += 1
            return href

        page.goto(self.base + "/")
        self.settle(page)
        menu = [
            url
            for href in page.eval_on_selector_all(
                "#main-nav a[href]", "els => els.map(e => e.href)"
            )
            if (url := wanted(href))
        ]
        below: list[str] = []
        for url in menu:
            below += self.visit(page, url, account)
            visited += 1
        for href in below:
            if visited >= MAX_PAGES_PER_ACCOUNT:
                break
            url = wanted(href)
            if url:
                self.visit(page, url, account)
                visited += 1
        return visited

    def log_urgent_concern(self, page) -> float:
        """As the mentor: open a mentee's log form from "My mentees" and save an urgent concern."""
        page.goto(self.base + "/my/")
        self.settle(page)
        page.get_by_role("link", name="Log contact").first.click()
        page.wait_for_url(re.compile(r"/log/"))
        self.settle(page)
        page.locator(".concern label", has_text="Urgent").click()
        page.fill("input[name=concern_note]", "Production smoke test")
        saved_at = time.time()
        page.get_by_role("button", name="Save contact").click()
        page.wait_for_url(re.compile(r"/saved/"))
        self.settle(page)
        return saved_at


def wait_healthy(base: str, timeout: float) -> str:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                return response.read().decode()
        except urllib.error.HTTPError as exc:
            last = f"{exc.code} {exc.read().decode()[:200]}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise SystemExit(f"FAIL: /healthz did not answer 200 within {timeout:.0f} s (last: {last})")


def crawl(base: str, mail_dir: Path, interval: float) -> int:
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    print(f"/healthz: {wait_healthy(base, 90)}")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        )
        run = Crawl(browser, base)
        visited: dict[str, int] = {}
        urgent_at = None
        for account in ACCOUNTS:
            phone = account.startswith("mentor")
            context = browser.new_context(
                viewport={"width": 375, "height": 812} if phone else {"width": 1280, "height": 900}
            )
            context.set_default_timeout(15_000)
            page = context.new_page()
            run._watch(page, account)
            run.sign_in(page, account)
            if account == "mentor@example.com":
                urgent_at = run.log_urgent_concern(page)
            visited[account] = run.crawl(page, account)
            context.close()
        browser.close()

    # The alert is sent by the worker after commit, or by beat's sender at the latest: allow
    # two beat intervals from the save.
    deadline = urgent_at + 2 * interval
    while time.time() < deadline and not any(
        m["kind"] == "urgent alert" for m in read_mail(mail_dir)
    ):
        time.sleep(0.5)
    mail = read_mail(mail_dir)
    urgent = [m for m in mail if m["kind"] == "urgent alert" and m["at"] <= deadline]
    if not urgent:
        run.failures.append(
            f"no urgent-concern alert reached the SMTP sink within {2 * interval:.0f} s "
            "(two beat intervals) of saving it"
        )

    print("\n== production smoke summary")
    for account, count in visited.items():
        print(f"  {account:22} {count:3} pages")
    print(f"  distinct pages: {len(run.pages)}; static files: {len(run.static)}")
    print(
        "  responses by status: " + ", ".join(f"{k}: {v}" for k, v in sorted(run.statuses.items()))
    )
    kinds = Counter(m["kind"] for m in mail)
    print(
        f"  emails in the SMTP sink: {len(mail)} ({', '.join(f'{v} {k}' for k, v in kinds.items())})"
    )
    for message in mail:
        print(f"    {message['kind']:12} to {message['to']}")
    if urgent:
        print(f"  urgent alert arrived {urgent[0]['at'] - urgent_at:.1f} s after the save")
    if not kinds.get("reminder"):
        print("  (no overdue reminder: expected only in quiet hours, 21:00-08:00 house time)")
    print(f"  crawl took {time.monotonic() - started:.0f} s")
    if run.failures:
        print(f"\nFAIL: {len(run.failures)} problem(s):")
        for failure in run.failures[:50]:
            print(f"  {failure}")
        return 1
    print("Production smoke passed")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sink = sub.add_parser("smtp-sink")
    sink.add_argument("--port", type=int, required=True)
    sink.add_argument("--dir", type=Path, required=True)
    walk = sub.add_parser("crawl")
    walk.add_argument("--base", required=True)
    walk.add_argument("--mail-dir", type=Path, required=True)
    walk.add_argument("--interval", type=float, required=True)
    args = parser.parse_args()
    if args.command == "smtp-sink":
        smtp_sink(args.port, args.dir)
        return 0
    return crawl(args.base, args.mail_dir, args.interval)


if __name__ == "__main__":
    sys.exit(main())
