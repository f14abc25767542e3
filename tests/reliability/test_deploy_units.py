"""The systemd examples the README points to restart the web, the worker and beat for good."""

import configparser

import pytest

from tests.conftest import ROOT

UNITS = ROOT / "deploy" / "systemd"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(UNITS / name)
    return parser


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("mentoring-web.service", "gunicorn mentoring_site.wsgi"),
        ("mentoring-worker.service", "celery -A mentoring_site worker"),
        ("mentoring-beat.service", "celery -A mentoring_site beat"),
    ],
)
def test_each_process_is_restarted_whenever_it_stops(name, command):
    service = unit(name)["Service"]
    assert service["Restart"] == "always"
    assert command in service["ExecStart"]
    assert service["EnvironmentFile"] == "/etc/mentoring/env"


def test_the_readme_points_to_them():
    readme = (ROOT / "README.md").read_text()
    assert "deploy/systemd/" in readme
