"""Retention: residents past RETENTION_YEARS after exit lose names, phone and notes."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log import tasks
from activity_log.models import ContactAddendum
from activity_log.privacy import retention
from activity_log.reports.funder import build_report
from activity_log.reports.rollup import rollup_rebuild
from activity_log.reports.scope import Period, scope_for
from mentoring_site.models import AuditEvent
from residents.models import Resident
from tests import factories as f

pytestmark = pytest.mark.django_db


def _exited(house, days_ago: int, **extra) -> Resident:
    today = timezone.localdate()
    exit_date = today - dt.timedelta(days=days_ago)
    return f.ResidentFactory(
        house=house,
        preferred_name=extra.pop("name", "Rosalind"),
        last_name="Quennell",
        phone="555-0199",
        status=Resident.Status.GRADUATED,
        move_in_date=exit_date - dt.timedelta(days=200),
        exit_date=exit_date,
        exit_reason="Moved in with her sister in Tacoma",
        **extra,
    )


def _seven_years_and_a_day_ago() -> int:
    today = timezone.localdate()
    return (today - retention.retention_cutoff(today=today)).days + 1


@pytest.fixture
def old(house, mentor):
    resident = _exited(house, _seven_years_and_a_day_ago())
    pairing = f.PairingFactory(
        mentor=mentor,
        resident=resident,
        status="ended",
        started_on=resident.move_in_date,
        ended_on=resident.exit_date,
        end_note="Ended when she moved to Tacoma",
    )
    contact = f.ContactLogFactory(
        pairing=pairing,
        happened_at=timezone.make_aware(
            dt.datetime.combine(resident.move_in_date + dt.timedelta(days=10), dt.time(12))
        ),
        notes="Talked about her sister Annabelle",
        follow_up="Call Annabelle",
        concern_level="urgent",
        concern_note="Mentioned cravings",
        acknowledged_at=timezone.now(),
        acknowledgement_note="Spoke to Rosalind's aunt Philippa",
    )
    ContactAddendum.objects.create(
        contact=contact, text="Annabelle called back", created_by=mentor.user
    )
    f.RecoveryGoalFactory(resident=resident, text="Reconnect with Annabelle")
    f.ConsentRecordFactory(
        resident=resident,
        granted_on=resident.move_in_date,
        expires_on=resident.exit_date,
        note="Signed with her counsellor Dr Pell",
    )
    meeting = f.GroupSessionFactory(house=house, attendance_note="Rosalind led the gratitude round")
    f.AttendanceFactory(session=meeting, resident=resident)
    return resident


@pytest.fixture
def recent(house):
    return _exited(house, 1, name="Beatrix")


SECRETS = [
    "Rosalind",
    "Quennell",
    "555-0199",
    "Tacoma",
    "Annabelle",
    "cravings",
    "Dr Pell",
    "Philippa",
]


def _all_text_of(resident: Resident) -> str:
    resident.refresh_from_db()
    parts = [resident.preferred_name, resident.first_name, resident.last_name, resident.phone]
    parts.append(resident.exit_reason)
    for pairing in resident.pairings.all():
        parts.append(pairing.end_note)
        for contact in pairing.contacts.all():
            parts += [contact.notes, contact.follow_up, contact.concern_note]
            parts.append(contact.acknowledgement_note)
            parts += [a.text for a in contact.addenda.all()]
    parts += [g.text for g in resident.goals.all()]
    parts += [c.note for c in resident.consents.all()]
    parts += [a.session.attendance_note for a in resident.group_attendance.all()]
    return " ".join(parts)


def test_the_task_anonymises_a_resident_exited_seven_years_and_a_day_ago(old, recent):
    assert tasks.anonymise_due_residents_task() == 1
    text = _all_text_of(old)
    for secret in SECRETS:
        assert secret not in text
    old.refresh_from_db()
    assert old.preferred_name == f"Former resident #{old.pk}"
    assert old.anonymised_at is not None
    # Counts and dates stay.
    assert old.exit_date is not None and old.pairings.get().contacts.count() == 1
    assert old.goals.count() == 1 and old.consents.count() == 1


def test_a_resident_exited_yesterday_is_kept(old, recent):
    tasks.anonymise_due_residents_task()
    recent.refresh_from_db()
    assert recent.preferred_name == "Beatrix"
    assert recent.phone == "555-0199"
    assert recent.anonymised_at is None


def test_exactly_seven_years_ago_is_not_yet_due(house):
    today = timezone.localdate()
    resident = _exited(house, (today - retention.retention_cutoff(today=today)).days)
    assert retention.anonymise_due_residents() == []
    resident.refresh_from_db()
    assert resident.anonymised_at is None


def test_reports_still_count_both(old, recent, program_admin):
    rollup_rebuild()  # factories skip the services that keep the report roll-up in step
    start = old.move_in_date
    period = Period(start=start, end=timezone.localdate())
    scope = scope_for(program_admin, None, [], True)
    before = build_report(scope, period)
    tasks.anonymise_due_residents_task()
    after = build_report(scope, period)
    assert after.residents_served == before.residents_served == 2
    assert after.contacts_total == before.contacts_total == 1
    assert after.exits == before.exits


def test_a_second_run_changes_nothing_and_each_run_is_audited(old):
    tasks.anonymise_due_residents_task()
    first = Resident.objects.get(pk=old.pk).anonymised_at
    assert tasks.anonymise_due_residents_task() == 0
    assert Resident.objects.get(pk=old.pk).anonymised_at == first
    event = AuditEvent.objects.get()
    assert (event.user, event.action, event.resident_id) == (None, "delete", old.pk)


def test_the_task_is_on_the_daily_beat(settings):
    entries = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "activity_log.retention.anonymise_due_residents_task" in entries
    from mentoring_site.celery import app

    assert "activity_log.retention.anonymise_due_residents_task" in app.tasks


def test_the_retention_setting_is_respected(settings, house):
    settings.RETENTION_YEARS = 1
    resident = _exited(house, 400)
    assert retention.anonymise_due_residents() == [resident.pk]


# --- Admin pages ---------------------------------------------------------------------------


def test_admins_see_what_is_due_without_names(as_user, program_admin, old, recent):
    response = as_user(program_admin).get(reverse("activity_log:retention_due"))
    body = response.content.decode()
    assert response.status_code == 200
    assert f"#{old.pk}" in body
    assert f"#{recent.pk}" not in body
    assert "Rosalind" not in body and "Beatrix" not in body


def test_an_admin_anonymises_one_resident_early_after_confirming(as_user, program_admin, recent):
    client = as_user(program_admin)
    url = reverse("activity_log:retention_run", args=[recent.pk])
    confirm = client.get(url)
    assert "cannot be undone" in confirm.content.decode()
    recent.refresh_from_db()
    assert recent.anonymised_at is None  # GET changes nothing
    response = client.post(url)
    assert response.status_code == 302
    recent.refresh_from_db()
    assert recent.preferred_name == f"Former resident #{recent.pk}"
    event = AuditEvent.objects.get()
    assert (event.user, event.action, event.resident_id) == (program_admin, "delete", recent.pk)


def test_an_active_resident_cannot_be_anonymised(as_user, program_admin, house):
    resident = f.ResidentFactory(house=house, preferred_name="Octavia")
    response = as_user(program_admin).post(
        reverse("activity_log:retention_run", args=[resident.pk])
    )
    assert response.status_code == 400
    assert "active resident cannot be anonymised" in response.content.decode()
    resident.refresh_from_db()
    assert resident.preferred_name == "Octavia"


def test_managers_cannot_use_the_retention_pages(as_user, manager, recent):
    client = as_user(manager)
    assert client.get(reverse("activity_log:retention_due")).status_code == 404
    url = reverse("activity_log:retention_run", args=[recent.pk])
    assert client.post(url).status_code == 404
    recent.refresh_from_db()
    assert recent.anonymised_at is None


def test_anonymous_is_sent_to_login(client, recent):
    url = reverse("activity_log:retention_run", args=[recent.pk])
    assert reverse("account_login") in client.post(url)["Location"]


def test_an_unknown_resident_is_404(as_user, program_admin):
    url = reverse("activity_log:retention_run", args=[999999])
    assert as_user(program_admin).post(url).status_code == 404


def test_the_due_list_runs_a_fixed_number_of_queries(
    as_user, program_admin, house, django_assert_max_num_queries
):
    client = as_user(program_admin)
    for size in (2, 20):
        for _ in range(size):
            _exited(house, _seven_years_and_a_day_ago() + 3)
        with django_assert_max_num_queries(7):
            client.get(reverse("activity_log:retention_due"))


def test_typing_a_resident_id_opens_its_confirmation_page(as_user, program_admin, recent):
    response = as_user(program_admin).get(
        reverse("activity_log:retention_due"), {"resident_id": recent.pk}
    )
    assert response["Location"] == reverse("activity_log:retention_run", args=[recent.pk])


def test_a_bad_resident_id_is_explained(as_user, program_admin):
    response = as_user(program_admin).get(
        reverse("activity_log:retention_due"), {"resident_id": "-3"}
    )
    assert response.status_code == 200
    assert "greater than or equal to 1" in response.content.decode()


# Every free-text field that can hold something about a resident, and what retention does to it.
# A new field on these models fails this test until retention (and this list) handle it.
FREE_TEXT_HANDLED = {
    "Resident": {"preferred_name", "first_name", "last_name", "exit_reason", "phone"},
    "ConsentRecord": {"note"},
    "RecoveryGoal": {"text"},
    "Pairing": {"end_note"},
    "ContactLog": {"notes", "follow_up", "concern_note", "acknowledgement_note"},
    "ContactAddendum": {"text"},
    "FeedbackResponse": {"comment"},
    "GoalProgress": {"note"},
}


def test_retention_knows_every_free_text_field_about_a_resident():
    from django.apps import apps
    from django.db import models

    found = {}
    for name in FREE_TEXT_HANDLED:
        model = next(
            m
            for app in ("residents", "matching", "activity_log")
            for m in apps.get_app_config(app).get_models()
            if m.__name__ == name
        )
        found[name] = {
            field.name
            for field in model._meta.fields
            if isinstance(field, models.CharField | models.TextField) and not field.choices
        }
    assert found == FREE_TEXT_HANDLED
