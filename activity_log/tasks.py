"""activity_log's Celery tasks, all here: each only calls a service (docs/reminders.md).

Nothing in activity_log imports this module but apps.py (so every process registers the tasks);
services enqueue by task name (reminders.send.enqueue_send), so no service imports a task.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import beat_init
from django.conf import settings
from django.db import connection

from activity_log.feedback import services as feedback_services
from activity_log.groups import services as group_services
from activity_log.privacy import retention
from activity_log.reminders.scan import scan_overdue
from activity_log.reminders.send import send_all_due
from activity_log.reports.health_cache import warm_all_houses_health

logger = logging.getLogger(__name__)

# Both reminder tasks are idempotent (unique outbox rows, compare-and-set claims), so a task
# whose worker died mid-run is safe to run again: acknowledge after the run, and requeue it
# when the worker process is lost (docs/reminders.md, "Worker settings").
AT_LEAST_ONCE = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60, **AT_LEAST_ONCE)
def scan_overdue_task() -> dict:
    """Beat, every minute: writes owed reminders; enqueues sending once they are committed."""
    return asdict(scan_overdue())


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150, **AT_LEAST_ONCE)
def send_reminders() -> dict:
    """Claims and sends due Reminder rows (the outbox); also on beat, so nothing waits long."""
    try:
        result = send_all_due()
    except SoftTimeLimitExceeded:
        # The sender released what it held (not recorded as a failed send); the next run sends.
        logger.warning("reminder sending reached its soft time limit; unsent rows released")
        return {"stopped": True}
    return {key: value for key, value in asdict(result).items() if key != "errors"}


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150)
def mentor_away_task() -> dict:
    """Beat, daily just after midnight: pauses the pairings of mentors whose away period has
    begun (their managers are told) and resumes those of mentors back today. Idempotent: a
    second run, or a retried one, changes nothing."""
    from matching.services import pairings_sync_away

    paused, resumed = pairings_sync_away()
    if paused or resumed:
        logger.info("mentor away: %d pairings paused, %d resumed", paused, resumed)
    return {"paused": paused, "resumed": resumed}


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150)
def warm_dashboard_health() -> bool:
    """Beat: keeps the all-houses program health in the cache (see activity_log/reports/health_cache.py)."""
    return warm_all_houses_health()


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150)
def merge_report_changes() -> None:
    """Beat, hourly: the change rows of the reports figures cache and of the page cache merged
    one per key, so their versions stay one small read even when nobody opens those pages for
    months (mentoring_site/change_log.py)."""
    from activity_log.reports import figures_cache
    from mentoring_site.change_log import merge_changes
    from mentoring_site.models import PageChange

    if connection.vendor == "postgresql":
        figures_cache.merge_changes()
        merge_changes(PageChange._meta.db_table)


@beat_init.connect(dispatch_uid="activity_log.warm_dashboard_health_at_start")
def warm_dashboard_health_at_beat_start(sender=None, **kwargs) -> None:
    """Interval schedules first fire one interval after beat starts: warm the figures now."""
    if settings.DASHBOARD_HEALTH_CACHE_SECONDS > 0:
        warm_dashboard_health.delay()


# Retention (docs/privacy.md), nightly on beat. The names are the ones beat and any queued message
# already use (the tasks lived in activity_log/retention.py).
@shared_task(ignore_result=True, name="activity_log.retention.anonymise_due_residents_task")
def anonymise_due_residents_task() -> int:
    return len(retention.anonymise_due_residents())


@shared_task(ignore_result=True, name="activity_log.retention.audit_ips_forget_task")
def audit_ips_forget_task() -> int:
    return retention.audit_ips_forget()


# Group sessions and feedback: their registered names are the ones they had in their own
# tasks.py modules, so beat entries and messages already queued keep working.
@shared_task(ignore_result=True, name="activity_log.groups.tasks.extend_group_series_task")
def extend_group_series_task() -> int:
    """Daily beat: every running series gets its occurrences up to 8 weeks ahead. Idempotent:
    a second beat or a retried task creates nothing (one occurrence per series and date)."""
    return group_services.series_extend_all()


@shared_task(name="activity_log.feedback.tasks.feedback_scan_task")
def feedback_scan_task() -> int:
    """Daily beat: feedback requests owed (4th contact, every 90 days, ended), each once."""
    return feedback_services.feedback_requests_scan()
