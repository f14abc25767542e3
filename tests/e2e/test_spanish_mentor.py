"""Issue 20: a Spanish-speaking mentor on a phone (375x812) signs in, sees My mentees, logs a
contact, sees the saved page, My progress, the certificate, My training, My profile and
Reminders, all in Spanish: no English sentence from the catalogue is visible (tests/spanish.py),
no common English word either, and the Spanish words are there, dates included."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from tests.activity_log.contact_support import pairing_for
from tests.conftest import screenshot
from tests.spanish import english_left

pytestmark = pytest.mark.browser

SPANISH_DAYS = ("domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado")


# Words no Spanish sentence has: catches English that never reached the catalogue.
ENGLISH_WORDS = re.compile(r"\b(the|your|you|with|and|of|to|is|are|this|check|due|save)\b", re.I)


def _visible_text(page) -> str:
    """The page's visible text, less the crisis guidance's English paragraph (shown in both
    languages on purpose, templates/_crisis_guidance.html)."""
    text = page.locator("body").inner_text()
    for english in page.locator('[lang="en"]').all_inner_texts():
        text = text.replace(english, "")
    return text


def _all_spanish(page, *expected: str) -> str:
    assert page.locator("html").get_attribute("lang") == "es", page.url
    text = _visible_text(page)
    assert english_left(text) == [], f"English left on {page.url}"
    words = sorted({w.lower() for w in ENGLISH_WORDS.findall(text.replace("Robin", ""))})
    assert words == [], f"English words on {page.url}: {words}\n{text}"
    for words in expected:
        assert words in text, f"{words!r} not on {page.url}"
    return text


@pytest.fixture
def spanish_mentor(mentor, house):
    mentor.user.preferred_language = "es"
    mentor.user.save(update_fields=["preferred_language"])
    resident = f.ResidentFactory(house=house, preferred_name="Robin")
    pairing_for(mentor, house=house, resident=resident)
    return mentor


def test_a_spanish_speaking_mentor_works_entirely_in_spanish(page, live_server, spanish_mentor):
    page.goto("/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=login]", spanish_mentor.user.email)
    page.fill("input[name=password]", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/my/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("h1").inner_text() == "Mis mentorados"
    _all_spanish(page, "Registrar contacto", "Último contacto:", "Historial")
    screenshot(page, "es-1-my-mentees")

    page.get_by_role("link", name="Registrar contacto").click()
    page.wait_for_url("**/log/")
    _all_spanish(
        page,
        "Registrar contacto con Robin",
        "Cómo",
        "En persona",
        "Temas",
        "Trabajo o estudios",  # a seeded topic, translated through the catalogue
        "¿Cómo está? 1 con dificultades, 5 muy bien (opcional)",
        "Preocupación",
        "Guardar contacto",
    )
    screenshot(page, "es-2-log-form")
    page.get_by_role("button", name="Guardar contacto").click()
    page.wait_for_url("**/saved/")
    assert page.locator("h1").inner_text() == "Contacto guardado"
    text = _all_spanish(page, "Su contacto con Robin quedó guardado.", "Volver a mis mentorados")
    next_due = page.locator(".next-due").inner_text()
    assert next_due.startswith("Próximo contacto: ")
    assert any(day in next_due for day in SPANISH_DAYS) and " de " in next_due, next_due
    assert "Next check-in" not in text
    screenshot(page, "es-3-saved")

    page.goto("/my/progress/")
    today = timezone.localdate()
    _all_spanish(
        page,
        "Mi progreso",
        "horas en total",
        "contactos este mes",
        "Horas por mes",
        "Certificado de horas de voluntariado",
        f"del 1 de enero al {today.day} de ",
        "Hacer certificado",
    )
    screenshot(page, "es-4-my-progress")

    page.get_by_role("button", name="Hacer certificado").click()
    page.wait_for_url("**/certificate/**")
    text = _all_spanish(
        page,
        "Certificado de horas de voluntariado",
        "Se certifica que",
        "como mentor/a voluntario/a entre pares",
        "Contactos de mentoría",
        "Capacitación",
        "Coordinador/a del programa",
    )
    assert f"Emitido el {today.day} de " in text
    assert dt.date(today.year, 1, 1).strftime("%B") not in text  # "January": the month in Spanish
    screenshot(page, "es-5-certificate")

    page.goto(reverse("mentors:my_training"))
    _all_spanish(page, "Mi capacitación", "Autorizado/a para ser mentor/a.", "Todos los cursos")
    screenshot(page, "es-6-my-training")
    page.goto(reverse("mentors:my_profile"))
    _all_spanish(
        page, "Mi perfil", "Estado", "Activo/a", "Ausencia", "Mentorados a la vez", "Guardar"
    )
    screenshot(page, "es-7-my-profile")
    page.goto(reverse("text_settings"))
    _all_spanish(page, "Recordatorios y avisos", "Enviar mis recordatorios y avisos por", "Ambos")
    assert page.title().startswith("Recordatorios · Mentoría entre Pares")
    assert page.console_errors == []
