"""The README's first command, as a newcomer runs it: `make run` in a fresh checkout, with no
DATABASE_URL, REDIS_URL or .env, brings up web + Celery worker + beat on the embedded defaults
(SQLite, the filesystem broker) with the demo data, and the demo mentor signs in and sees their
mentees. Ctrl-C (SIGINT to make) stops all three.

The checkout is a copy of the files git tracks, as they are in the working tree (outside a git
checkout: the tree without what only a local one has), beside the suite's own .venv (its install
stamp is there, so make installs nothing again).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.private_redis import free_port

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "recovery-demo"  # README "Demo accounts"


# What a fresh checkout does not have, when the tree is not a git checkout.
LOCAL_ONLY = shutil.ignore_patterns(
    ".git", ".venv", ".env", "var", "db.sqlite3", "staticfiles", "test-artifacts", "__pycache__"
)


def _fresh_checkout(dest: Path) -> None:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout.decode()
    except (OSError, subprocess.CalledProcessError):
        shutil.copytree(ROOT, dest, ignore=LOCAL_ONLY, dirs_exist_ok=True)
    else:
        for name in filter(None, listed.split("\0")):
            source = ROOT / name
            if source.is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest / name)
    (dest / ".venv").symlink_to(ROOT / ".venv")


def _get(opener, url: str) -> tuple[int, str, str]:
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.geturl(), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, url, exc.read().decode()


def _wait_healthy(base: str, process: subprocess.Popen, log: Path, timeout: float) -> dict:
    opener = urllib.request.build_opener()
    deadline = time.monotonic() + timeout
    health: dict = {}
    while time.monotonic() < deadline:
        assert process.poll() is None, f"make run stopped:\n{log.read_text()[-3000:]}"
        try:
            status, _, body = _get(opener, f"{base}/healthz")
            health = json.loads(body)
            if status == 200 and health.get("worker") == "ok" and health.get("beat") == "ok":
                return health
        except (OSError, ValueError):
            pass  # not listening yet
        time.sleep(1)
    raise AssertionError(f"not healthy after {timeout:.0f} s: {health}\n{log.read_text()[-3000:]}")


def _sign_in(base: str, email: str) -> tuple[int, str, str]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _, _, page = _get(opener, f"{base}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "login": email, "password": DEMO_PASSWORD}
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/", data=data, headers={"Referer": f"{base}/accounts/login/"}
    )
    with opener.open(request, timeout=10) as response:
        return response.status, response.geturl(), response.read().decode()


@pytest.mark.celery_worker
def test_make_run_serves_the_demo_with_a_worker_and_beat_and_stops_on_ctrl_c(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("needs make (the README's first command); apt install make")
    checkout = tmp_path / "checkout"
    _fresh_checkout(checkout)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # A newcomer's shell: nothing of this suite's database, broker or settings.
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DEV_PORT": str(port),
    }
    log = tmp_path / "make-run.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            ["make", "run"],
            cwd=checkout,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        health = _wait_healthy(base, process, log, timeout=240)
        assert health["database"] == "ok" and health["broker"] == "ok"
        assert (checkout / "db.sqlite3").exists()  # the embedded default: SQLite
        assert (checkout / ".env").read_text().startswith("DEBUG=true\n")
        status, url, page = _sign_in(base, "mentor@example.com")
        assert status == 200 and url == f"{base}/my/", url
        assert "My mentees" in page
        assert page.count(' mentee"') >= 3, page[:3000]  # README: three mentees
    finally:
        # Ctrl-C in the terminal: SIGINT to make; honcho stops web, worker and beat.
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired as exc:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise AssertionError(
                f"make run did not stop on Ctrl-C:\n{log.read_text()[-3000:]}"
            ) from exc
    leftover = subprocess.run(
        ["pgrep", "-f", str(checkout)], capture_output=True, text=True
    ).stdout.split()
    assert leftover == [], f"processes left running: {leftover}"
