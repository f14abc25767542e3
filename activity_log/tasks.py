"""Celery tasks: thin wrappers that call services (filled in by the reminders issue)."""

from celery import shared_task


@shared_task(ignore_result=True)
def send_reminders() -> None:
    """Claims and sends due Reminder rows (the outbox). Implemented by the reminders issue."""
