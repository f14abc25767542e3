"""Anonymisation also clears the Django admin history of the resident's records, the dates and
preferences reports do not need; old audit rows lose their IP; expired sessions are cleared daily.
"""

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from activity_log import tasks as al_tasks
from activity_log.models import ContactLog
from activity_log.privacy import retention
from mentoring_site.models import AuditEvent
from residents.models import Language, Resident
from tests import factories as f

pytestmark = pytest.mark.django_db

SECRETS = ["Rosalind", "Quennell", "Annabelle", "Tacoma"]


def _days_past_retention() -> int:
    today = timezone.localdate()
    return (today - retention.retention_cutoff(today=today)).days + 1


@pytest.fixture
def superuser(db):
    return f.AdminUserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def old(house, mentor):
    exit_date = timezone.localdate() - dt.timedelta(days=_days_past_retention())
    resident = f.ResidentFactory(
        house=house,
        preferred_name="Rosalind",
        first_name="Rosalind",
        last_name="Quennell",
        move_in_date=exit_date - dt.timedelta(days=200),
        recovery_start_date=exit_date - dt.timedelta(days=900),
        preferred_mentor_gender=Resident.MentorGender.WOMAN,
    )
    resident.languages.add(Language.objects.first())
    return resident


def _exit(resident):
    Resident.objects.filter(pk=resident.pk).update(
        status=Resident.Status.GRADUATED,
        exit_date=resident.move_in_date + dt.timedelta(days=200),
    )


def test_anonymising_clears_the_admin_history_of_the_resident_and_their_goals(
    as_user, superuser, old, house
):
    goal = f.RecoveryGoalFactory(resident=old, text="Reconnect with Annabelle in Tacoma")
    client = as_user(superuser)
    # Real admin edits write django_admin_log rows naming the resident and the goal.
    changed = client.post(
        reverse("admin:residents_resident_change", args=[old.pk]),
        {
            "preferred_name": "Rosalind",
            "first_name": "Rosalind",
            "last_name": "Quennell",
            "house": house.pk,
            "move_in_date": old.move_in_date.isoformat(),
            "phone": "555-0199",
            "preferred_mentor_gender": "",
            "goals-TOTAL_FORMS": "1",
            "goals-INITIAL_FORMS": "1",
            "goals-MIN_NUM_FORMS": "0",
            "goals-MAX_NUM_FORMS": "1000",
            "goals-0-id": goal.pk,
            "goals-0-resident": old.pk,
            "goals-0-category": goal.category,
            "goals-0-text": "Reconnect with Annabelle in Tacoma",
            "goals-0-status": "open",
            "consents-TOTAL_FORMS": "0",
            "consents-INITIAL_FORMS": "0",
            "consents-MIN_NUM_FORMS": "0",
            "consents-MAX_NUM_FORMS": "1000",
        },
    )
    assert changed.status_code == 302, changed.content.decode()[:2000]
    client.get(changed["Location"])  # the flash message naming her is shown (and consumed)
    client.post(
        reverse("admin:residents_recoverygoal_change", args=[goal.pk]),
        {
            "resident": old.pk,
            "category": "housing",
            "text": "Reconnect with Annabelle in Tacoma",
            "status": "open",
        },
        follow=True,
    )
    history = " ".join(f"{e.object_repr} {e.change_message}" for e in LogEntry.objects.all())
    assert "Rosalind" in history and "Annabelle" in history

    _exit(old)
    retention.anonymise_due_residents()

    entries = list(LogEntry.objects.all())
    assert len(entries) >= 2  # who changed which object when stays
    history = " ".join(f"{e.object_repr} {e.change_message}" for e in entries)
    for secret in SECRETS:
        assert secret not in history
    page = client.get(reverse("admin:residents_resident_history", args=[old.pk]))
    for secret in SECRETS:
        assert secret not in page.content.decode()


def test_anonymising_clears_dates_and_preferences_reports_do_not_need(old, mentor):
    goal = f.RecoveryGoalFactory(resident=old, target_date=old.move_in_date)
    pairing = f.PairingFactory(
        mentor=mentor,
        resident=old,
        status="ended",
        started_on=old.move_in_date,
        ended_on=old.move_in_date + dt.timedelta(days=100),
    )
    contact = f.ContactLogFactory(
        pairing=pairing,
        happened_at=timezone.make_aware(
            dt.datetime.combine(old.move_in_date + dt.timedelta(days=3), dt.time(12))
        ),
        follow_up_on=old.move_in_date + dt.timedelta(days=10),
    )
    _exit(old)
    retention.anonymise_due_residents()

    old.refresh_from_db()
    goal.refresh_from_db()
    contact = ContactLog.objects.get(pk=contact.pk)
    assert old.recovery_start_date is None
    assert old.preferred_mentor_gender == ""
    assert not old.languages.exists() and not old.pathways.exists()
    assert goal.target_date is None
    assert contact.follow_up_on is None
    # What reports count stays.
    assert old.move_in_date and old.exit_date and contact.happened_at


def test_every_date_field_of_a_residents_records_is_kept_with_a_reason_or_cleared():
    from django.apps import apps
    from django.db import models

    found = set()
    for name in [
        "Resident",
        "ConsentRecord",
        "RecoveryGoal",
        "GoalProgress",
        "Pairing",
        "ContactLog",
        "ContactAddendum",
    ]:
        model = next(
            m
            for app in ("residents", "matching", "activity_log")
            for m in apps.get_app_config(app).get_models()
            if m.__name__ == name
        )
        found |= {
            f"{name}.{field.name}"
            for field in model._meta.fields
            if isinstance(field, models.DateField)  # DateTimeField is a DateField
        }
    assert found == set(retention.KEPT) | retention.CLEARED_DATES
    assert not set(retention.KEPT) & retention.CLEARED_DATES


# --- Audit IPs and sessions ------------------------------------------------------------------


def test_audit_rows_older_than_the_retention_period_keep_ids_but_lose_the_ip(
    as_user, manager, house
):
    resident = f.ResidentFactory(house=house)
    as_user(manager).get(reverse("residents:detail", args=[resident.pk]))
    recent = AuditEvent.objects.get()
    assert recent.ip == "127.0.0.1"
    old_at = timezone.now() - dt.timedelta(days=_days_past_retention() + 1)
    old = AuditEvent.objects.create(
        user=manager,
        action="view",
        object_type="residents.resident",
        object_id=str(resident.pk),
        resident_id=resident.pk,
        path="/residents/1/",
        ip="10.0.0.9",
    )
    # `at` is auto_now_add: move this row into the past the way time would.
    from django.db.models import QuerySet

    QuerySet.update(AuditEvent.objects.filter(pk=old.pk), at=old_at)

    assert al_tasks.audit_ips_forget_task() == 1

    old = AuditEvent.objects.get(pk=old.pk)
    assert old.ip is None
    assert (old.user, old.resident_id, old.object_id) == (manager, resident.pk, str(resident.pk))
    assert AuditEvent.objects.get(pk=recent.pk).ip == "127.0.0.1"


def test_the_trail_stays_append_only_apart_from_forgetting_ips():
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(ip=None)


def test_expired_sessions_are_cleared_by_a_daily_task(as_user, manager, settings):
    from mentoring_site import tasks

    as_user(manager).get(reverse("residents:list"))
    live = Session.objects.get()
    Session.objects.create(
        session_key="x" * 32, session_data="", expire_date=timezone.now() - dt.timedelta(days=1)
    )
    tasks.clear_expired_sessions()
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


def test_the_new_retention_tasks_are_on_the_beat_and_imported(settings):
    from mentoring_site.celery import app

    entries = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in (
        "mentoring_site.tasks.clear_expired_sessions",
        "activity_log.retention.audit_ips_forget_task",
    ):
        assert name in entries
        assert name in app.tasks
    assert "mentoring_site.tasks" in settings.CELERY_IMPORTS
