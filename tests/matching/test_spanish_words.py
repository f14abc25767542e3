"""Words built in Python for staff pages follow the page's language (issue 20): match reasons,
clearance reasons, check-in intervals, audit words, form errors and model choices."""

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from matching.forms import PairForm
from matching.models import Pairing
from matching.suggestions import suggest_mentors
from mentoring_site.models import AuditEvent
from residents.forms import ExitForm
from residents.models import Language, RecoveryPathway, Resident
from tests import factories as f

pytestmark = pytest.mark.django_db


def years_ago(years: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=365 * years + 2)


def test_match_reasons_are_in_spanish_for_a_spanish_page(house):
    resident = f.ResidentFactory(house=house, preferred_name="Ana", preferred_mentor_gender="woman")
    resident.languages.add(Language.objects.get(code="es"), Language.objects.get(code="en"))
    resident.pathways.add(RecoveryPathway.objects.get(slug="smart-recovery"))
    m = f.ClearedMentorFactory(gender="woman", capacity=3, recovery_since=years_ago(1))
    m.languages.add(Language.objects.get(code="es"))
    m.pathways.add(RecoveryPathway.objects.get(slug="smart-recovery"))
    with translation.override("es"):
        (suggestion,) = suggest_mentors(resident)
    assert suggestion.reasons == [
        "Es mujer, como prefiere Ana",
        "Habla Español (no Inglés)",
        "Los dos siguen SMART Recovery",
        "0 de 3 lugares ocupados",
        "1 año en recuperación",
        "Atiende todas las casas",
    ]


def test_clearance_reasons_are_in_spanish(house):
    m = f.MentorFactory(recovery_since=None)
    with translation.override("es"):
        reasons = m.clearance(timezone.localdate()).reasons
    assert "Falta la fecha de inicio de la recuperación" in reasons
    assert any(r.startswith("El estado es: ") for r in reasons)


@pytest.mark.parametrize(("days", "words"), [(1, "cada día"), (7, "cada 7 días")])
def test_check_in_intervals_in_spanish_words(days, words):
    with translation.override("es"):
        rendered = Template("{% load site %}{{ days|every_days }}").render(Context({"days": days}))
    assert rendered == words


def test_audit_words_and_choices_are_in_spanish():
    event = AuditEvent(action="view", object_type="residents.resident", path="/nowhere/")
    with translation.override("es"):
        rendered = Template("{% load site %}{{ event.get_action_display }} {{ event|audit_what }}")
        assert rendered.render(Context({"event": event})) == "Vio el expediente"
        assert str(Pairing.Status.PAUSED.label) == "En pausa"
        assert str(Resident.Status.ACTIVE.label) == "Activo/a"


def test_form_errors_follow_the_language(house):
    resident = f.ResidentFactory(house=house, move_in_date=timezone.localdate())
    with translation.override("es"):
        form = ExitForm(
            {"status": "graduated", "exit_date": "2020-01-01", "reason": ""}, resident=resident
        )
        assert not form.is_valid()
        assert form.errors["exit_date"][0].startswith(
            "La fecha de salida no puede ser anterior a la fecha de llegada"
        )
        assert form.errors["reason"] == ["Este campo es obligatorio."]
        pair = PairForm({"checkin_interval_days": "99"})
        assert not pair.is_valid()
        assert pair.errors["checkin_interval_days"] == ["Elija como máximo 30 días."]
    with translation.override("en"):
        pair = PairForm({"checkin_interval_days": "99"})
        assert not pair.is_valid()
        assert pair.errors["checkin_interval_days"] == ["Choose at most 30 days."]
