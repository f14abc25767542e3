"""Fault injection helpers: a PRIVATE redis-server and real Celery processes pointed at it.

Never the shared Redis on 6379: each test starts its own server on a free loopback port and stops,
freezes (SIGSTOP) or thaws (SIGCONT) it by PID. Plain functions and classes; fixtures live in the
test files that use them.
"""

from __future__ import annotations

import os
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, TEST_TASKS, wait_for, worker_env

REDIS_SERVER = shutil.which("redis-server")
CELERY = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"


def require_redis_server() -> None:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server); CI has it.")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A throwaway redis-server (no persistence): start, stop, restart, freeze and thaw."""

    def __init__(self, port: int | None = None):
        self.port, self.proc = port or free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, timeout=10, interval=0.05)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.settimeout(0.2)
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.thaw()  # a stopped process only dies once it runs again
            self.proc.kill()
            self.proc.wait(timeout=10)

    def restart(self, down_seconds: float = 0.2) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections, nothing ever answers."""
        os.kill(self.proc.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)


def settings_with_redis(url: str, monkeypatch) -> dict:
    """What mentoring_site/settings.py makes of REDIS_URL=url (read fresh, so the test checks
    the real CACHES and broker options, timeouts included)."""
    monkeypatch.setenv("REDIS_URL", url)
    return runpy.run_path(str(ROOT / "mentoring_site" / "settings.py"))


class CeleryProcess:
    """`celery worker` or `celery beat` as a subprocess with its own log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path, ready: str):
        self.args, self.env, self.log, self.ready = args, env, log, ready
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> None:
        with open(self.log, "a") as out:
            self.proc = subprocess.Popen(
                [CELERY, "-A", "mentoring_site", *self.args],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        start = len(self.output())
        deadline = time.monotonic() + timeout
        while self.ready not in self.output()[start:]:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"celery {self.args[0]} did not start:\n{self.output()[-3000:]}")
            time.sleep(0.2)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the main process (a crash: no warm shutdown), then reap its children."""
        if self.alive():
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def celery_env(queue: str, **extra: str) -> dict[str, str]:
    """A subprocess environment on the test database and a private queue."""
    return worker_env() | {"CELERY_QUEUE": queue} | extra


def worker(env: dict[str, str], log: Path, *args: str) -> CeleryProcess:
    queue = env["CELERY_QUEUE"]
    return CeleryProcess(
        ["worker", "--loglevel", "INFO", "--queues", queue, *TEST_TASKS, *args], env, log, "ready."
    )


def beat(env: dict[str, str], log: Path, schedule: Path) -> CeleryProcess:
    return CeleryProcess(
        ["beat", "--loglevel", "INFO", "--schedule", str(schedule)],
        env,
        log,
        "beat: Starting",
    )
