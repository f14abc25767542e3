"""The Django admin speaks the admin's language: the project's apps, models and fields are named
through gettext (Django translates its own chrome), and a Spanish-speaking admin sees them in
Spanish. English is unchanged: each name is Django's own default, now marked for translation."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise

from tests import factories as f

pytestmark = pytest.mark.django_db

OWN_APPS = {"activity_log", "matching", "mentoring_site", "mentors", "residents"}
# Words that are the same in both languages.
SAME_IN_SPANISH = {"slug", "total"}


def _own_models():
    return sorted(
        (m for m in admin.site._registry if m._meta.app_label in OWN_APPS),
        key=lambda m: m._meta.label,
    )


def _names(model):
    meta = model._meta
    yield f"{meta.label} (model)", meta.verbose_name
    yield f"{meta.label} (plural)", meta.verbose_name_plural
    for field in meta.get_fields():
        if field.auto_created or not hasattr(field, "verbose_name"):
            continue
        yield f"{meta.label}.{field.name}", field.verbose_name


def test_every_own_app_model_and_field_in_the_admin_has_a_spanish_name():
    models = _own_models()
    assert len(models) >= 20
    untranslated = []
    for model in models:
        for where, name in _names(model):
            if not isinstance(name, Promise):
                untranslated.append(f"{where}: {name!r} is not marked for translation")
                continue
            english = str(name)
            with translation.override("es"):
                spanish = str(name)
            if spanish == english and english not in SAME_IN_SPANISH:
                untranslated.append(f"{where}: {english!r} has no Spanish")
    assert not untranslated, "\n".join(untranslated)


def test_english_names_are_djangos_defaults():
    """Marking the names changed no English label: each is the field name with spaces."""
    from activity_log.models import ContactLog
    from residents.models import Resident

    with translation.override("en"):
        assert ContactLog._meta.get_field("happened_at").verbose_name == "happened at"
        assert Resident._meta.get_field("move_in_date").verbose_name == "move in date"
        assert Resident._meta.verbose_name_plural == "residents"


def test_a_spanish_speaking_admin_sees_the_admin_in_spanish(as_user):
    superuser = f.AdminUserFactory(is_staff=True, is_superuser=True, preferred_language="es")
    f.ResidentFactory(preferred_name="Lupe")
    client = as_user(superuser)
    index = client.get(reverse("admin:index")).content.decode()
    for word in ("Registro de actividad", "Emparejamiento", "Residentes", "Cuentas y auditoría"):
        assert word in index, word
    assert "Activity_Log" not in index and "Activity log" not in index
    form = client.get(reverse("admin:residents_resident_add")).content.decode()
    for label in ("Nombre preferido", "Fecha de llegada", "Año de nacimiento", "Contacto"):
        assert label in form, label
    assert "Move in date" not in form and "Preferred name" not in form
    f.ReminderFactory(failed_at=timezone.now(), attempts=12)
    reminders = client.get(reverse("admin:activity_log_reminder_changelist")).content.decode()
    assert "Reenviar los recordatorios fallidos seleccionados" in reminders  # the action
    assert "Fallando (reintentando o abandonados)" in reminders  # the state filter
    assert ">fallido<" in reminders  # the state column


def test_object_names_in_the_admin_follow_the_language():
    pairing = f.PairingFactory()
    with translation.override("en"):
        assert str(pairing) == f"Pairing #{pairing.pk}"
    with translation.override("es"):
        assert str(pairing) == f"Pareja de mentoría n.º {pairing.pk}"


def test_a_spanish_speaking_admin_sees_a_pairings_name_in_spanish(as_user):
    superuser = f.AdminUserFactory(is_staff=True, is_superuser=True, preferred_language="es")
    pairing = f.PairingFactory()
    page = as_user(superuser).get(reverse("admin:matching_pairing_change", args=[pairing.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Pareja de mentoría n.º {pairing.pk}" in html
    assert f"Pairing #{pairing.pk}" not in html


def test_every_admin_list_and_add_page_answers_in_spanish(as_user):
    """Each own-app model's changelist and add page (where adding is allowed) renders for a
    Spanish-speaking superuser: a translation with a broken placeholder would show here."""
    superuser = f.AdminUserFactory(is_staff=True, is_superuser=True, preferred_language="es")
    f.PairingFactory()
    client = as_user(superuser)
    checked = 0
    for model in _own_models():
        info = (model._meta.app_label, model._meta.model_name)
        page = client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert page.status_code == 200, info
        assert '<html lang="es"' in page.content.decode(), info
        checked += 1
        if admin.site._registry[model].has_add_permission(page.wsgi_request):
            assert client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200, info
    assert checked >= 20
