import logging
from importlib import import_module

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "celery:heartbeat"


@shared_task(ignore_result=True)
def heartbeat() -> str:
    """Proves beat and a worker are running: stores the time it ran in the shared cache."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    logger.info("heartbeat ran")
    return now


@shared_task(ignore_result=True)
def record_marker(path: str, text: str) -> None:
    """Writes text to a file: lets tests see that a real worker ran a task."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


@shared_task(ignore_result=True, name="mentoring_site.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """What `manage.py clearsessions` does, daily: expired sessions hold a signed-out user's id
    and the resident search term they typed, so they do not stay in the database."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    logger.info("expired sessions cleared")
