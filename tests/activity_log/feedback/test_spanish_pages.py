"""Issue 20: the resident's own pages (feedback form, recovery check, thanks, link gone) are
entirely in Spanish for a resident who chose Spanish, on an English phone."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from activity_log.feedback import services as feedback_services
from tests import factories as f
from tests.activity_log.feedback.support import issued_link, pairing_in
from tests.spanish import english_left

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    """The page's words: tags, the crisis guidance's English and scripts left out."""
    html = response.content.decode()
    html = re.sub(r'<(script|style)\b.*?</\1>|<p lang="en".*?</p>', " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _spanish(response, *expected: str) -> None:
    text = _text(response)
    assert english_left(text) == []
    for words in expected:
        assert words in " ".join(text.split()), words


def test_the_feedback_form_thanks_and_gone_pages_in_spanish(client, house, mentor):
    pairing = pairing_in(house, mentor)
    pairing.resident.preferred_language = "es"
    pairing.resident.save()
    _, token = issued_link(pairing)
    url = reverse("activity_log:feedback_form", args=[token])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US")
    _spanish(
        page,
        f"¿Cómo va la mentoría con {mentor.user.display_first_name}?",
        "¿Su mentor/a llega cuando dice que va a llegar?",
        "¿Le gustaría tener otro/a mentor/a?",
        "Enviar mis respuestas",
    )
    invalid = client.post(url, {}, HTTP_ACCEPT_LANGUAGE="en-US")
    assert invalid.status_code == 400
    _spanish(invalid, "Por favor, responda las preguntas marcadas abajo.", "Elija sí o no.")
    answers = {"shows_up": 5, "listens": 4, "helps_goals": 4, "wants_new_mentor": "no"}
    thanks = client.post(url, answers, HTTP_ACCEPT_LANGUAGE="en-US")
    _spanish(thanks, "Sus respuestas quedaron guardadas.")
    gone = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
    _spanish(gone, "Este enlace ya no funciona")


def test_the_recovery_check_by_link_in_spanish(client, house, manager):
    resident = f.ResidentFactory(house=house, preferred_language="es")
    token = feedback_services.assessment_link_issue(resident=resident, by=manager)
    page = client.get(reverse("activity_log:assessment_by_link", args=[token]))
    _spanish(
        page,
        "Evaluación de recuperación",
        "Diez frases. En cada una, elija qué tan de acuerdo está usted.",
        "Estoy avanzando bien en mi camino de recuperación.",
        "Muy de acuerdo",
        "Guardar la evaluación",
    )
