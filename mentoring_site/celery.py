import logging
import os

from celery import Celery
from celery.worker.consumer import Consumer

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring_site.settings")

logger = logging.getLogger(__name__)

app = Celery("mentoring_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class BrokerDropSafeConsumer(Consumer):
    """The stock consumer, except that a Redis drop never ends the worker.

    With a late-acked task in flight, Celery 5.7 / kombu 5.7 close the lost connection after
    `collect()` has already detached its transport; closing the channel then restores the unacked
    messages through that transport and raises AttributeError ("'NoneType' object has no
    attribute 'hostname'"), which the worker treats as unrecoverable and exits. The messages were
    already restored by `collect()`, so the error is safe to drop: the consumer goes on to
    reconnect as it does for any other connection loss (tests/reliability/test_worker_redis_drop.py).
    """

    def on_connection_error_after_connected(self, exc):
        try:
            super().on_connection_error_after_connected(exc)
        except AttributeError as error:
            logger.warning(
                "ignored %s while closing the lost broker connection; reconnecting",
                type(error).__name__,
            )
            self.connection = None
