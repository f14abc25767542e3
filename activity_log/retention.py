"""Retention: residents who left more than RETENTION_YEARS ago lose their identifying data.

The rows stay (reports count residents, contacts, minutes and goals by date and status); names,
phone, exit reason and every free-text note about the resident are replaced by placeholders.
It lives in activity_log because it reaches contacts, the top of the import chain.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from activity_log.groups import services as group_services
from activity_log.models import ContactAddendum, ContactLog
from matching.models import Pairing
from mentoring_site import audit
from residents.models import ConsentRecord, RecoveryGoal, Resident

logger = logging.getLogger(__name__)

REMOVED_TEXT = "Removed under the retention policy."


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
        raise ValidationError("An active resident cannot be anonymised.")
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
            anonymised_at=now,
            updated_at=now,
        )
        contacts = ContactLog.objects.filter(pairing__resident_id=resident.pk)
        ContactAddendum.objects.filter(contact__in=contacts).update(text=REMOVED_TEXT)
        contacts.update(notes="", follow_up="", concern_note="", acknowledgement_note="")
        Pairing.objects.filter(resident_id=resident.pk).update(end_note="")
        RecoveryGoal.objects.filter(resident_id=resident.pk).update(text=REMOVED_TEXT)
        ConsentRecord.objects.filter(resident_id=resident.pk).update(note="")
        group_services.group_resident_anonymise(resident_id=resident.pk)
        resident.refresh_from_db()
    return resident


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


@shared_task(ignore_result=True, name="activity_log.retention.anonymise_due_residents_task")
def anonymise_due_residents_task() -> int:
    return len(anonymise_due_residents())
