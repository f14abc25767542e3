"""Retention: residents who left more than RETENTION_YEARS ago lose their identifying data."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True, name="activity_log.retention.anonymise_due_residents_task")
def anonymise_due_residents_task() -> int:
    return 0
