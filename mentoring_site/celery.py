import logging
import os

from celery import Celery
from celery.worker.consumer import Consumer
from celery.worker.state import active_requests

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring_site.settings")

logger = logging.getLogger(__name__)

app = Celery("mentoring_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class BrokerDropSafeConsumer(Consumer):
    """The stock consumer, except that a Redis drop never ends the worker.

    With a late-acked task running when Redis drops (Celery 5.7, kombu 5.7), the worker died with
    "Unrecoverable error: AttributeError('NoneType' object has no attribute 'hostname')", either
    while closing the lost connection or, after reconnecting, while acknowledging the task on
    its old channel: kombu rebuilds that channel's pool from a transport that is already detached,
    and only connection errors are caught there. Celery's own docs say those tasks "cannot be
    acknowledged as the connection is gone" and are redelivered (setting
    worker_cancel_long_running_tasks_on_connection_loss); the task itself is allowed to finish.
    So: mark them as done with their ack (the broker redelivers them: at-least-once, and every
    task here is idempotent) and drop the AttributeError of the close, then reconnect as for any
    other connection loss (tests/reliability/test_worker_redis_drop.py).
    """

    def on_connection_error_after_connected(self, exc):
        for request in tuple(active_requests):
            if request.task.acks_late and not request.acknowledged:
                request.acknowledged = True  # its channel is gone; acking would crash the worker
        try:
            super().on_connection_error_after_connected(exc)
        except AttributeError as error:
            logger.warning(
                "ignored %s while closing the lost broker connection; reconnecting",
                type(error).__name__,
            )
            self.connection = None
