"""The beat's daily feedback scan (thin: the service does the work)."""

from celery import shared_task

from activity_log.feedback import services


@shared_task
def feedback_scan_task() -> int:
    return services.feedback_requests_scan()
