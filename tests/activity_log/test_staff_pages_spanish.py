"""The dashboard, the reports and their exports, group sessions and feedback's staff sections in
the manager's own language (issue 20); translation costs no query."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activity_log.groups import services as group_services
from activity_log.reports.rollup import rollup_rebuild
from tests import factories as f
from tests.activity_log.test_dashboard import _world as dashboard_world
from tests.activity_log.test_reports import _world as report_world

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("activity_log:dashboard")
HEALTH = reverse("activity_log:dashboard_health")
REPORTS = reverse("activity_log:reports")
CSV = reverse("activity_log:reports_csv")
FUNDER = reverse("activity_log:reports_funder_csv")
PRINT = reverse("activity_log:reports_print")


def speaks(user, code: str):
    user.preferred_language = code
    user.save(update_fields=["preferred_language"])
    return user


def csv_rows(response) -> list[list[str]]:
    assert "charset=utf-8" in response["Content-Type"]
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def spanish_manager(manager):
    return speaks(manager, "es")


@pytest.fixture
def no_health_cache(settings):
    settings.DASHBOARD_HEALTH_CACHE_SECONDS = 0


def test_the_report_csv_header_and_measures_follow_the_user_language(
    as_user, spanish_manager, house
):
    report_world(house, 2)
    rows = csv_rows(as_user(spanish_manager).get(CSV))
    assert rows[0] == ["sección", "medida", "valor"]
    assert ["alcance", "casas", "Todas las casas a su cargo"] in rows
    assert ["residentes", "residentes atendidos"] in [row[:2] for row in rows]
    measures = {row[1] for row in rows}
    # Choices and lookups too: contact methods, group session kinds.
    assert {"En persona", "Mensaje de texto", "Reunión de la casa"} <= measures
    assert not {"section", "residents served", "In person"} & {cell for r in rows for cell in r}


def test_the_same_csv_stays_english_for_an_english_speaker(as_user, manager, house):
    report_world(house, 1)
    rows = csv_rows(as_user(speaks(manager, "en")).get(CSV))
    assert rows[0] == ["section", "measure", "value"]
    assert ["residents", "residents served"] in [row[:2] for row in rows]


def test_the_funder_csv_is_in_spanish_with_its_age_bands_and_suppression(
    as_user, spanish_manager, house
):
    report_world(house, 2)
    rows = csv_rows(as_user(spanish_manager).get(FUNDER))
    assert rows[0] == ["sección", "medida", "valor"]
    note = next(row[2] for row in rows if row[:2] == ["alcance", "nota"])
    assert note.startswith("Sin datos identificables")
    bands = {row[1]: row[2] for row in rows if row[0] == "residentes atendidos por grupo de edad"}
    assert {"Menos de 25", "25-34", "65 o más", "Sin registrar"} <= set(bands)
    assert "omitido (números pequeños)" in {row[2] for row in rows}


def test_the_reports_page_its_print_page_and_its_form_errors_are_in_spanish(
    as_user, spanish_manager, house
):
    report_world(house, 1)
    client = as_user(spanish_manager)
    html = client.get(REPORTS).content.decode()
    assert "Informe del programa" in html and "Residentes atendidos" in html
    assert 'aria-label="Contactos por medio"' in html
    printed = client.get(PRINT).content.decode()
    assert '<html lang="es">' in printed and "Use el comando Imprimir" in printed
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    bad = client.get(REPORTS, {"start": "2026-01-01", "end": future})
    assert "La fecha final no puede estar en el futuro." in bad.content.decode()
    outcomes = client.get(reverse("activity_log:outcomes_report")).content.decode()
    assert 'se muestran como "&lt;5"' in outcomes  # a translated literal is still escaped


def test_the_dashboard_and_program_health_are_in_spanish(
    as_user, spanish_manager, house, no_health_cache
):
    dashboard_world(house, 2)
    client = as_user(spanish_manager)
    html = client.get(DASHBOARD).content.decode()
    for spanish in ("Necesita atención", "Contactos atrasados", "Atrasado por", "hace"):
        assert spanish in html, spanish
    health = client.get(HEALTH, headers={"HX-Request": "true"}).content.decode()
    assert "Contactos a tiempo" in health and "Horas de voluntariado" in health
    # The weekly chart's axis: day and Spanish short month ("3 nov"), never "3 Nov".
    months = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"]
    assert any(f" {m}</text>" in health for m in months)


def test_acknowledging_a_concern_answers_in_spanish(as_user, spanish_manager, house):
    pairing = f.PairingFactory(resident__house=house)
    concern = f.ContactLogFactory(pairing=pairing, concern_level="urgent")
    client = as_user(spanish_manager)
    url = reverse("activity_log:concern_acknowledge", args=[concern.pk])
    empty = client.post(url, {"note": ""})
    assert "Diga en pocas palabras qué hizo" in empty.content.decode()
    done = client.post(url, {"note": "Llamé"}, follow=True)
    assert "Preocupación confirmada." in done.content.decode()


def test_group_session_pages_and_their_errors_are_in_spanish(as_user, spanish_manager, house):
    client = as_user(spanish_manager)
    page = client.get(reverse("groups:new")).content.decode()
    assert "Programar una sesión" in page and "Reunión de la casa" in page
    response = client.post(
        reverse("groups:new"),
        {"house": house.pk, "kind": "house_meeting", "title": "Reunión", "duration_minutes": "0"},
    )
    assert "Escriba una duración de entre 1 y 600 minutos." in response.content.decode()
    session = f.GroupSessionFactory(house=house, starts_at=timezone.now() - dt.timedelta(hours=2))
    detail = client.get(reverse("groups:detail", args=[session.pk])).content.decode()
    assert "Tomar asistencia" in detail and "Cancelar sesión" in detail


def test_a_service_error_is_in_the_active_language(spanish_manager, house):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    session = f.GroupSessionFactory(house=house, starts_at=timezone.now() + dt.timedelta(days=3))
    with translation.override("es"), pytest.raises(ValidationError) as error:
        group_services.attendance_record(session=session, taker=spanish_manager)
    assert error.value.messages == [
        "Esta sesión todavía no ha empezado. Tome la asistencia cuando se reúna."
    ]


@pytest.mark.parametrize("url", [DASHBOARD, HEALTH, REPORTS, CSV, FUNDER])
def test_spanish_costs_no_query(as_user, manager, house, url, no_health_cache, no_page_cache):
    """The same page, the same user, English then Spanish: the same number of queries."""
    dashboard_world(house, 2)
    report_world(house, 2)
    rollup_rebuild()
    counts = {}
    for code in ("en", "en", "es"):
        client = as_user(speaks(manager, code))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts[code] = len(queries)
    assert counts["es"] == counts["en"]


def test_feedback_staff_sections_and_their_errors_are_in_spanish(as_user, spanish_manager, house):
    client = as_user(spanish_manager)
    alone = f.ResidentFactory(house=house)
    error = client.post(reverse("activity_log:feedback_request_new", args=[alone.pk]))
    assert error.status_code == 400
    assert "todavía no tiene mentor/a" in error.content.decode()
    pairing = f.PairingFactory(resident__house=house)
    section = client.get(reverse("activity_log:feedback_resident", args=[pairing.resident_id]))
    assert "Pedir su opinión ahora" in section.content.decode()
    due = client.get(reverse("activity_log:recovery_due")).content.decode()
    assert "Le toca una evaluación de recuperación" in due


def test_texting_a_link_answers_in_spanish(as_user, spanish_manager, house):
    resident = f.ResidentFactory(house=house, phone="")
    client = as_user(spanish_manager)
    url = reverse("activity_log:feedback_request_new_text", args=[resident.pk])
    page = client.post(url, follow=True).content.decode()
    assert "No podemos enviar un mensaje de texto a" in page
    assert "no hay un" in page  # the reason, in Spanish too
