"""Real browser at desktop size (1366x900): a manager who chose Spanish sees the dashboard, its
program health, the reports page and the CSV they download entirely in Spanish (issue 20)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import polib
import pytest
from django.utils import timezone

from activity_log.reports.rollup import rollup_rebuild
from tests import factories as f
from tests.conftest import ROOT, screenshot

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|<[^>]+>")


def english_phrases() -> set[str]:
    """Every English text of three words or more in the catalogue whose Spanish differs: the
    literal runs between placeholders and tags, so "logged by %(mentor)s %(since)s ago" gives
    "logged by" (too short) and nothing is matched against a name."""
    phrases = set()
    for entry in polib.pofile(str(ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po")):
        if entry.obsolete or entry.msgctxt == "date format":
            continue
        spanish = entry.msgstr or " ".join(entry.msgstr_plural.values())
        for english in filter(None, (entry.msgid, entry.msgid_plural)):
            for run in PLACEHOLDER.split(english.replace("%%", "%")):
                run = " ".join(run.split()).strip(" .,:;()·…\"'")
                if len(run.split()) >= 3 and run not in spanish:
                    phrases.add(run)
    return phrases


def english_left(text: str, phrases: set[str]) -> list[str]:
    flat = " ".join(text.split())
    return sorted(phrase for phrase in phrases if phrase in flat)


@pytest.fixture
def spanish_program(manager, house, mentor):
    """A house with a little of everything the dashboard and the reports show."""
    manager.preferred_language = "es"
    manager.save(update_fields=["preferred_language"])
    mentor.houses.add(house)
    now = timezone.now()
    pairing = f.PairingFactory(
        mentor=mentor,
        resident__house=house,
        resident__preferred_name="Quinn",
        started_on=timezone.localdate() - dt.timedelta(days=40),
    )
    for days in (3, 10, 17):
        f.ContactLogFactory(pairing=pairing, happened_at=now - dt.timedelta(days=days))
    f.ContactLogFactory(
        pairing=pairing,
        happened_at=now - dt.timedelta(hours=5),
        concern_level="urgent",
        concern_note="Habló de recaer",
    )
    f.ResidentFactory(house=house, preferred_name="Wendy")
    rollup_rebuild()  # factories skip the services that keep the roll-up in step
    return pairing


def test_a_manager_who_chose_spanish_sees_the_dashboard_reports_and_csv_in_spanish(
    page, live_server, login_browser, manager, spanish_program
):
    phrases = english_phrases()
    assert len(phrases) > 100, "the catalogue should hold this area's sentences"
    page.set_viewport_size(DESKTOP)
    login_browser(page, live_server, manager)

    page.goto("/dashboard/")
    assert page.locator("h1").inner_text() == "Panel"
    page.wait_for_selector("#health-table")  # program health arrives through htmx
    body = page.locator("main").inner_text()
    for spanish in (
        "Necesita atención",
        "Preocupaciones urgentes sin confirmar",
        "Residentes que esperan mentor/a",
        "Estado del programa",
        "Contactos a tiempo",
        "Confirmar",
        "Últimos 30 días",
    ):
        assert spanish in body, spanish
    assert english_left(body, phrases) == []
    assert "Quinn" in body and "Wendy" in body
    week_chart = page.locator("#program-health svg.chart").first.get_attribute("aria-label")
    assert week_chart.startswith("Contactos por semana")
    screenshot(page, "dashboard-spanish-desktop")

    page.goto("/reports/")
    assert page.locator("h1").inner_text() == "Informe del programa"
    body = page.locator("main").inner_text()
    for spanish in (
        "Residentes atendidos",
        "Contactos por medio",
        "Salidas y duración de la estancia",
        "Descargar CSV",
        "CSV sin datos identificables para financiadores",
    ):
        assert spanish in body, spanish
    assert english_left(body, phrases) == []
    assert page.locator("svg.chart").first.get_attribute("aria-label") == "Contactos por medio"
    screenshot(page, "reports-spanish-desktop")

    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar CSV").click()
    text = open(download.value.path(), encoding="utf-8").read()  # noqa: PTH123, SIM115
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["sección", "medida", "valor"]
    measures = {row[1] for row in rows[1:]}
    assert {"residentes atendidos", "contactos registrados", "horas de voluntariado"} <= measures
    assert "En persona" in measures  # a contact method, by its Spanish name
    assert english_left(text, phrases) == []
    assert page.console_errors == []


def test_the_spanish_dashboard_and_reports_fit_a_phone(
    page, live_server, login_browser, manager, spanish_program
):
    """Spanish runs longer than English: nothing may push the page wider than 375 px."""
    login_browser(page, live_server, manager)
    for url in ("/dashboard/", "/reports/"):
        page.goto(url)
        if url == "/dashboard/":
            page.wait_for_selector("#health-table")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{url} is wider than the phone in Spanish: {width}px"
    assert page.locator("h1").inner_text() == "Informe del programa"
    screenshot(page, "reports-spanish-phone")
    assert page.console_errors == []
