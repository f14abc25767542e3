"""Retention: residents who left more than RETENTION_YEARS ago lose their identifying data.

The rows stay (reports count residents, contacts, minutes and goals by date and status); names,
phone, exit reason, every free-text note about the resident, the dates reports do not need, the
matching preferences and the Django admin history of their records are replaced or cleared.
`KEPT` says which dates stay and why (docs/privacy.md repeats it). It lives in activity_log
because it reaches contacts, the top of the import chain.

The same nightly beat also drops the IP address of audit rows older than the retention period
(the rows, with their user and resident ids, stay) and clears expired sessions
(mentoring_site/tasks.py).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from activity_log.feedback import services as feedback
from activity_log.groups import services as group_services
from activity_log.models import ContactAddendum, ContactLog
from matching.models import Pairing
from mentoring_site import audit
from mentoring_site.models import AuditEvent
from residents.models import ConsentRecord, GoalProgress, RecoveryGoal, Resident

logger = logging.getLogger(__name__)

REMOVED_TEXT = "Removed under the retention policy."

# Dates (and timestamps) that stay after anonymisation, and why; CLEARED_DATES are blanked.
# tests/security/test_retention_anonymise_more.py fails when a new date field is in neither.
KEPT = {
    "Resident.move_in_date": "reports: residents served in a period, days of stay",
    "Resident.exit_date": "reports: exits in a period; the retention clock itself",
    "Resident.created_at": "when the row was made (close to move-in); row bookkeeping",
    "Resident.updated_at": "row bookkeeping (the anonymisation time)",
    "Resident.anonymised_at": "proves when retention ran",
    "ConsentRecord.granted_on": "the legal basis of what mentors saw, for the audit trail",
    "ConsentRecord.expires_on": "the legal basis of what mentors saw, for the audit trail",
    "ConsentRecord.revoked_on": "the legal basis of what mentors saw, for the audit trail",
    "ConsentRecord.recorded_at": "the legal basis of what mentors saw, for the audit trail",
    "RecoveryGoal.closed_on": "reports: goals achieved in a period",
    "RecoveryGoal.created_at": "row bookkeeping",
    "RecoveryGoal.updated_at": "row bookkeeping",
    "GoalProgress.at": "reports: goals' progress over time",
    "Pairing.started_on": "reports: residents with a mentor, on-time check-ins",
    "Pairing.paused_on": "reports: on-time check-ins (no check-in is due while paused)",
    "Pairing.ended_on": "reports: residents with a mentor, on-time check-ins",
    "Pairing.last_contact_at": "derived from contact times (kept below)",
    "Pairing.next_due_at": "derived; empty once the pairing ended",
    "Pairing.overdue_at": "derived with next_due_at (the check-in rule); empty once ended",
    "Pairing.created_at": "row bookkeeping",
    "ContactLog.happened_at": "reports: contacts and hours in a period, mentors' hours",
    "ContactLog.acknowledged_at": "reports: time to acknowledge an urgent concern",
    "ContactLog.created_at": "reports: time to acknowledge; the edit window",
    "ContactLog.updated_at": "row bookkeeping",
    "ContactAddendum.created_at": "row bookkeeping",
}
CLEARED_DATES = {
    "Resident.recovery_start_date",
    "RecoveryGoal.target_date",
    "ContactLog.follow_up_on",
    "ContactLog.follow_up_done_at",
}


def placeholder_name(resident_id: int) -> str:
    return f"Former resident #{resident_id}"


def retention_cutoff(*, today: dt.date | None = None) -> dt.date:
    """Residents who exited before this date are due: `RETENTION_YEARS` years before today."""
    today = today or timezone.localdate()
    years = settings.RETENTION_YEARS
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def residents_due(*, today: dt.date | None = None) -> QuerySet[Resident]:
    """Exited before the cut-off and not yet anonymised (resident_status_exit_idx)."""
    return (
        Resident.objects.exclude(status=Resident.Status.ACTIVE)
        .filter(exit_date__lt=retention_cutoff(today=today), anonymised_at__isnull=True)
        .order_by("exit_date", "id")
    )


def resident_anonymise(*, resident: Resident) -> Resident:
    """Replaces the resident's identifying data and notes with placeholders; keeps every row."""
    if resident.status == Resident.Status.ACTIVE:
        raise ValidationError(gettext("An active resident cannot be anonymised."))
    if resident.anonymised_at is not None:
        return resident
    with transaction.atomic():
        resident = Resident.objects.select_for_update().get(pk=resident.pk)
        if resident.anonymised_at is not None:
            return resident
        now = timezone.now()
        Resident.objects.filter(pk=resident.pk).update(
            preferred_name=placeholder_name(resident.pk),
            first_name="Former resident",
            last_name=f"#{resident.pk}",
            phone="",
            exit_reason="",
            recovery_start_date=None,
            # Matching preferences are no use after exit; a rare language could point at them.
            preferred_mentor_gender="",
            intake_key=None,
            anonymised_at=now,
            updated_at=now,
        )
        resident.languages.clear()
        resident.pathways.clear()
        contacts = ContactLog.objects.filter(pairing__resident_id=resident.pk)
        addenda = ContactAddendum.objects.filter(contact__in=contacts)
        pairings = Pairing.objects.filter(resident_id=resident.pk)
        goals = RecoveryGoal.objects.filter(resident_id=resident.pk)
        consents = ConsentRecord.objects.filter(resident_id=resident.pk)
        _admin_history_forget(resident, contacts, addenda, pairings, goals, consents)
        addenda.update(text=REMOVED_TEXT)
        contacts.update(
            notes="",
            follow_up="",
            follow_up_on=None,
            follow_up_done_at=None,
            concern_note="",
            acknowledgement_note="",
        )
        pairings.update(end_note="")
        goals.update(text=REMOVED_TEXT, target_date=None)
        GoalProgress.objects.filter(goal__in=goals).update(note="")
        consents.update(note="")
        group_services.group_resident_anonymise(resident_id=resident.pk)
        feedback.feedback_comments_clear(resident_id=resident.pk)
        resident.refresh_from_db()
    return resident


def _admin_history_forget(resident: Resident, *querysets: QuerySet) -> None:
    """The Django admin's history (django_admin_log) keeps each object's str() (a name, a goal's
    text) and a change message naming inline objects: both go for every record of the resident.
    The entries stay (who changed which object id when), like the audit trail."""
    ids_by_type = {ContentType.objects.get_for_model(Resident).pk: [str(resident.pk)]}
    for queryset in querysets:
        content_type = ContentType.objects.get_for_model(queryset.model)
        ids_by_type[content_type.pk] = [str(pk) for pk in queryset.values_list("pk", flat=True)]
    for content_type_id, ids in ids_by_type.items():
        if ids:
            LogEntry.objects.filter(content_type_id=content_type_id, object_id__in=ids).update(
                object_repr=REMOVED_TEXT, change_message=""
            )


def audit_ips_forget(*, today: dt.date | None = None) -> int:
    """Audit rows older than the retention period keep their ids but lose the client IP."""
    cutoff = timezone.make_aware(dt.datetime.combine(retention_cutoff(today=today), dt.time.min))
    forgotten = AuditEvent.objects.forget_ips(before=cutoff)
    logger.info("retention: dropped the IP of %d audit rows", forgotten)
    return forgotten


def anonymise_due_residents(*, today: dt.date | None = None) -> list[int]:
    """The daily run: each due resident in its own transaction, one audit row each."""
    done: list[int] = []
    for resident in residents_due(today=today).iterator():
        resident_anonymise(resident=resident)
        audit.record_system(
            "delete", resident, resident_id=resident.pk, path="task:retention.anonymise"
        )
        done.append(resident.pk)
    # Ids only: names never go to the logs.
    logger.info("retention: anonymised %d residents", len(done))
    return done
