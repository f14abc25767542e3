"""Issue 20: a Spanish-speaking mentor's digest and text are entirely in Spanish (subject, text and HTML,
dates included), and an English-speaking mentor's stays English."""

from __future__ import annotations

import datetime as dt

import pytest

from activity_log.models import Reminder
from activity_log.reminders.emails import build_email
from mentors.models import TrainingCourse
from tests import factories as f
from tests.activity_log.test_send_reminders import (
    NOW,
    expiring_training_reminder,
    overdue_reminder,
)
from tests.spanish import english_left

pytestmark = pytest.mark.django_db


def _seeded_course_expiring(mentor, name: str) -> Reminder:
    """A seeded course (its name is in the catalogue) expiring on Wednesday 1 April 2026."""
    expires_on = dt.date(2026, 4, 1)
    record = f.TrainingRecordFactory(
        mentor=mentor,
        course=TrainingCourse.objects.get(name=name),
        completed_on=expires_on - dt.timedelta(days=730),
        expires_on=expires_on,
    )
    return Reminder.objects.create(
        kind="training_expiring",
        training_record=record,
        subject_key=f"training:{record.pk}",
        due_at=dt.datetime.combine(expires_on, dt.time(4), tzinfo=dt.UTC),
        recipient=mentor.user,
        send_after=NOW,
    )


def _parts(message) -> dict[str, str]:
    return {"subject": message.subject, "text": message.body, "html": message.alternatives[0][0]}


def test_a_spanish_mentors_digest_is_entirely_in_spanish(mentor):
    mentor.user.preferred_language = "es"
    mentor.user.save(update_fields=["preferred_language"])
    overdue = [overdue_reminder(mentor, days=days) for days in (2, 3)]
    training = _seeded_course_expiring(mentor, "Crisis intervention and de-escalation")
    message = build_email(mentor.user, [*overdue, training], NOW)
    parts = _parts(message)
    for name, text in parts.items():
        assert english_left(text) == [], name
    assert parts["subject"] == "2 contactos pendientes y un curso por renovar"
    for text in (parts["text"], parts["html"]):
        assert "Hola, Sam:" in text
        assert "A algunos de sus mentorados les toca un contacto:" in text
        # 8 March 2026 (2 days before NOW), in Spanish words and order.
        assert "atrasado por 2 días (tocaba el domingo 8 de marzo)" in text
        course = "Cómo actuar en una crisis y calmar la situación"
        assert f"{course} vence el miércoles 1 de abril de 2026" in text
        assert "Mentoría entre Pares" in text
    assert 'lang="es"' in parts["html"]


def test_one_overdue_mentee_in_spanish(mentor):
    mentor.user.preferred_language = "es"
    mentor.user.save(update_fields=["preferred_language"])
    reminder = overdue_reminder(mentor, days=2)
    message = build_email(mentor.user, [reminder], NOW)
    name = reminder.pairing.resident.preferred_name
    assert message.subject == f"Es hora de comunicarse con {name}"
    assert f"Hace un tiempo que no tiene contacto con {name}." in message.body
    assert english_left(message.body) == []


def test_an_english_mentors_digest_stays_english(mentor):
    overdue = [overdue_reminder(mentor, days=days) for days in (2, 3)]
    message = build_email(mentor.user, [*overdue, expiring_training_reminder(mentor)], NOW)
    assert message.subject == "2 check-ins due and a course to renew"
    assert "overdue by 2 days (due Sunday 8 March)" in message.body
    assert "Naloxone refresher expires on Wednesday 1 April 2026" in message.body
    assert dt.date(2026, 3, 8).strftime("%A") == "Sunday"


def test_a_spanish_mentors_text_is_in_spanish():
    """The reminder text (issue 19) in the mentor's language: no English left, Spanish words."""
    from activity_log.reminders.texts import build_text

    mentor = f.ClearedMentorFactory(user__first_name="Sam", user__preferred_language="es")
    reminders = [overdue_reminder(mentor, days=days) for days in (2, 3)]
    text = build_text(mentor.user, reminders, NOW)
    assert english_left(text) == []
    assert text.startswith("Mentoría entre Pares: hola, Sam. Contactos pendientes: ")
    assert "(2 días de atraso)" in text
    english = build_text(f.ClearedMentorFactory(user__first_name="Ana").user, reminders, NOW)
    assert english.startswith("Peer Mentoring: hi Ana. Check-ins due: ")
