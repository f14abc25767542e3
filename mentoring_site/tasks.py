import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from importlib import import_module

from celery import shared_task
from celery.signals import beat_init, worker_ready
from django.conf import settings

from mentoring_site import liveness

logger = logging.getLogger(__name__)

# One quick reconnect (a pooled connection may be stale after a broker restart), then give up.
ENQUEUE_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
_publisher: ThreadPoolExecutor | None = None
_in_flight: Future | None = None
_lock = threading.Lock()


def enqueue(task, *args, **kwargs) -> bool:
    """Sends `task` to the broker; the one way a request (or an on_commit hook) enqueues work.

    Never raises and never holds the caller longer than REDIS_TIMEOUT_SECONDS, whatever the broker
    does (down, frozen, slow): the publish runs on a helper thread and the caller stops waiting.
    The work itself is safe in the database (a Reminder row is the truth); beat's next run picks
    it up. While an earlier publish is still stuck, later ones are skipped, so a frozen broker
    costs each process one timeout, not one per request. True when the broker took the task.
    """
    global _publisher, _in_flight
    with _lock:
        if _in_flight is not None and not _in_flight.done():
            logger.warning("broker still not answering; %s waits for beat", task.name)
            return False
        if _publisher is None:
            _publisher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="enqueue")
        _in_flight = future = _publisher.submit(
            task.apply_async, args=args, kwargs=kwargs, retry=True, retry_policy=ENQUEUE_RETRY
        )
    try:
        future.result(timeout=settings.REDIS_TIMEOUT_SECONDS)
    except FutureTimeout:
        logger.warning("broker too slow; %s waits for beat", task.name)
        return False
    except Exception as exc:  # noqa: BLE001 - any broker failure must not reach the caller
        logger.warning("could not enqueue %s (%s); beat will retry", task.name, type(exc).__name__)
        return False
    return True


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Beat sends it, a worker runs it: stamps "worker" in the database for /healthz."""
    liveness.heartbeat_record(process=liveness.Process.WORKER)


@worker_ready.connect(dispatch_uid="mentoring_site.worker_ready_heartbeat")
def worker_ready_heartbeat(sender=None, **kwargs) -> None:
    """A restarted worker shows as alive at once, not one heartbeat interval later."""
    liveness.heartbeat_record_safely(process=liveness.Process.WORKER)


@beat_init.connect(dispatch_uid="mentoring_site.beat_init_heartbeat")
def beat_init_heartbeat(sender=None, **kwargs) -> None:
    """Beat's first scan is one interval away; show it alive from the start."""
    liveness.heartbeat_record_safely(process=liveness.Process.BEAT)


@shared_task(ignore_result=True, name="mentoring_site.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """What `manage.py clearsessions` does, daily: expired sessions hold a signed-out user's id
    and the resident search term they typed, so they do not stay in the database."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    logger.info("expired sessions cleared")
