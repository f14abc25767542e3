"""Regenerates docs/screenshots/ (`make screenshots`): the sign-in page, My mentees, the log form and
the resident list, each at phone (375x812) and desktop (1366x900) size.

It builds a throw-away SQLite database with the demo data (`seed_demo`), serves it with
`runserver` on a free loopback port, signs in through the real form and two-factor step as the
demo accounts, and saves full-page PNGs. Needs Playwright and Chromium (/usr/bin/chromium, or
CHROMIUM_PATH). The demo names are invented; nothing real is ever shown.

    .venv/bin/python bench/screenshots.py [--out docs/screenshots] [--extra]

--extra also saves the other pages a first-time user meets (two-factor step, password reset,
security pages, My progress, history, mentors and waiting lists) under OUT/extra/ for review;
those are not committed.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / ".ci"))

from production_smoke import PASSWORD, TOTP_SECRET, totp_code  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SIZES = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1366, "height": 900}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_site(workdir: Path) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ)
    env.update(
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{workdir / 'demo.sqlite3'}",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        CELERY_TASK_ALWAYS_EAGER="true",
    )
    python = sys.executable
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run(
            [python, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )
    port = free_port()
    log = open(workdir / "runserver.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urlopen(f"{base}/accounts/login/", timeout=2)  # noqa: S310 - our own loopback server
            return proc, base
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit((workdir / "runserver.log").read_text()) from None
            time.sleep(0.3)


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if "/2fa/" in page.url or page.locator("input[name=code]").count():
        page.fill("input[name=code]", totp_code(TOTP_SECRET))
        page.click("button[type=submit]")
        page.wait_for_load_state()


def shoot(page, out: Path, name: str, *, full_page: bool = True) -> None:
    out.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / f"{name}.png"), full_page=full_page)
    print(f"  {out / name}.png")


def capture(browser, base: str, out: Path, size: str, extra: bool) -> None:
    def context():
        return browser.new_context(viewport=SIZES[size])

    ctx = context()
    page = ctx.new_page()
    page.goto(f"{base}/accounts/login/")
    shoot(page, out, f"sign-in-{size}")
    if extra:
        for path, name in [
            ("/accounts/password/reset/", "password-reset"),
            ("/accounts/password/reset/done/", "password-reset-done"),
        ]:
            page.goto(base + path)
            shoot(page, out / "extra", f"{name}-{size}")
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=login]", "manager@example.com")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        shoot(page, out / "extra", f"two-factor-step-{size}")
    ctx.close()

    ctx = context()
    page = ctx.new_page()
    sign_in(page, base, "mentor@example.com")
    page.goto(f"{base}/my/")
    shoot(page, out, f"my-mentees-{size}")
    page.locator("a", has_text="Log contact").first.click()
    page.wait_for_load_state()
    # The first screen, as the phone shows it: a full-page shot would paint the sticky "Save
    # contact" bar over the middle of the form.
    shoot(page, out, f"log-form-{size}", full_page=False)
    if extra:
        page.goto(f"{base}/my/")
        page.locator("a", has_text="History").first.click()
        shoot(page, out / "extra", f"history-{size}")
        for path, name in [
            ("/my/progress/", "my-progress"),
            ("/accounts/2fa/", "security"),
            ("/accounts/email/", "email"),
            ("/accounts/password/change/", "password-change"),
        ]:
            page.goto(base + path)
            shoot(page, out / "extra", f"{name}-{size}")
    ctx.close()

    ctx = context()
    page = ctx.new_page()
    sign_in(page, base, "manager@example.com")
    page.goto(f"{base}/residents/")
    shoot(page, out, f"resident-list-{size}")
    if extra:
        for path, name in [
            ("/", "dashboard"),
            ("/mentors/", "mentor-list"),
            ("/matching/waiting/", "waiting"),
            ("/accounts/2fa/", "security-staff"),
        ]:
            page.goto(base + path)
            shoot(page, out / "extra", f"{name}-{size}")
        page.goto(f"{base}/residents/")
        page.locator(".resident-table a").first.click()
        page.wait_for_load_state("networkidle")
        shoot(page, out / "extra", f"resident-{size}")
    ctx.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--extra", action="store_true", help="also save review shots in OUT/extra")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        proc, base = start_site(Path(tmp))
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                for size in SIZES:
                    print(f"{size}:")
                    capture(browser, base, args.out, size, args.extra)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
