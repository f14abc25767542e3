"""Two requests with one idempotency key at the same moment (a double tap on a slow connection)."""

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection, connections
from django.utils import timezone

from activity_log.contacts import services
from activity_log.models import ContactLog
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real row locks (PostgreSQL)")
def test_two_simultaneous_posts_with_one_key_save_one_contact():
    pairing = f.PairingFactory()
    key = uuid.uuid4()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def post():
        try:
            barrier.wait()
            contact = services.contact_log(
                pairing=pairing,
                author=pairing.mentor.user,
                happened_at=timezone.now() - dt.timedelta(hours=1),
                idempotency_key=key,
            )
            results.append(contact.pk)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ContactLog.objects.count() == 1
    assert len(set(results)) == 1
