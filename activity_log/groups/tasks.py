"""Celery task for group sessions: thin, calls the service."""

from __future__ import annotations

from celery import shared_task

from activity_log.groups import services


@shared_task(ignore_result=True, name="activity_log.groups.tasks.extend_group_series_task")
def extend_group_series_task() -> int:
    """Daily beat: every running series gets its occurrences up to 8 weeks ahead. Idempotent:
    a second beat or a retried task creates nothing (one occurrence per series and date)."""
    return services.series_extend_all()
