"""Application logs never contain names, notes or phone numbers.

A full contact flow runs with every logger at DEBUG (root, django.request and django.server, the
development server's access log): a manager admits a resident through the intake form (a bad
submission first) and opens the record, searches the resident list and the Django admin's resident
list by surname, pairs a mentor; the mentor logs a contact with notes and an urgent concern through
the real form (a bad submission first); the manager acknowledges the concern with a note; a 404
happens; the overdue scan and the sender run. Then every URL the flow visited is requested again
through a real development server (`runserver`'s request handler), whose access log prints the
request line with its query string. No captured log record may contain the resident's names,
phone or any note text.
"""

import contextlib
import datetime as dt
import logging
import threading
import urllib.error
import urllib.request
import uuid

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.urls import reverse
from django.utils import timezone

from activity_log.models import ContactLog
from activity_log.reminders.scan import scan_overdue
from activity_log.reminders.send import send_due_reminders
from matching.services import pairing_create
from residents.models import Resident
from tests import factories as f

pytestmark = pytest.mark.django_db

PREFERRED, FIRST, LAST = "Philippa", "Philomena", "Vandersloot"
PHONE = "555-0142"
NOTES = "She talked about her brother Ignatius and the court date"
FOLLOW_UP = "Ask about Ignatius hearing"
CONCERN = "Said Zebulon offered her pills"
ACK_NOTE = "Called Thaddeus at the house; she is safe tonight"
SECRETS = [
    PREFERRED,
    FIRST,
    LAST,
    PHONE,
    "5550142",
    "Ignatius",
    "Zebulon",
    "pills",
    "Thaddeus",
]


def _replay_through_runserver(paths: list[str]) -> None:
    """GETs each path from a real development server (Django's WSGIRequestHandler, as
    `manage.py runserver` uses), so its access log lines reach the django.server logger.

    Anonymous: the app answers with redirects to sign-in (followed, as a browser would), which
    is enough, since the access log prints the request line whatever the answer."""
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler, allow_reuse_address=True)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        for path in paths:
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(base + path, timeout=10).read()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_a_full_contact_flow_logs_nothing_personal(
    caplog, client, manager, house, mentor, mailoutbox, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.request")
    caplog.set_level(logging.DEBUG, logger="activity_log")
    caplog.set_level(logging.DEBUG, logger="celery")
    # The development server's access log does not propagate to the root: listen to it directly.
    server_log = logging.getLogger("django.server")
    server_log.addHandler(caplog.handler)
    try:
        visited = _flow(
            client, manager, house, mentor, mailoutbox, django_capture_on_commit_callbacks
        )
        _replay_through_runserver(visited)
    finally:
        server_log.removeHandler(caplog.handler)

    assert caplog.records, "the flow should have logged something"
    assert any(r.name == "django.server" for r in caplog.records), "runserver logged nothing"
    for record in caplog.records:
        text = record.getMessage() + " " + (record.exc_text or "")
        for secret in SECRETS:
            assert secret not in text, f"{record.name} logged {secret!r}: {text[:200]}"


def _flow(client, manager, house, mentor, mailoutbox, capture_on_commit) -> list[str]:
    """The whole flow through the test client; returns every URL it requested."""
    visited: list[str] = []

    def get(url, **kwargs):
        visited.append(url)
        return client.get(url, **kwargs)

    def post(url, data, **kwargs):
        visited.append(url)
        return client.post(url, data, **kwargs)

    # The manager admits a resident through the intake form (a bad submission first).
    client.force_login(manager)
    intake = reverse("residents:create")
    assert get(intake).status_code == 200
    form = {
        "first_name": FIRST,
        "last_name": LAST,
        "preferred_name": PREFERRED,
        "house": house.pk,
        "move_in_date": (timezone.localdate() - dt.timedelta(days=20)).isoformat(),
        "recovery_start_date": "",
        "birth_year": "",
        "phone": PHONE,
        "preferred_mentor_gender": "",
        "intake_key": str(uuid.uuid4()),
    }
    bad = post(intake, {**form, "birth_year": "1800"})
    assert bad.status_code == 200 and not Resident.objects.exists()
    admitted = post(intake, form)
    assert admitted.status_code == 302, admitted.content.decode()[:1000]
    resident = Resident.objects.get()
    assert (resident.last_name, resident.phone) == (LAST, PHONE)
    assert get(reverse("residents:detail", args=[resident.pk])).status_code == 200

    # Searches by name: the resident list (POST, kept in the session) and the Django admin (GET).
    listed = post(reverse("residents:list"), {"q": LAST}, follow=True)
    assert PREFERRED in listed.content.decode()
    superuser = f.AdminUserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    found = get(reverse("admin:residents_resident_changelist") + f"?q={LAST}")
    assert found.status_code == 200 and PREFERRED in found.content.decode()

    client.force_login(manager)
    pairing = pairing_create(
        resident=resident,
        mentor=mentor,
        created_by=manager,
        started_on=timezone.localdate() - dt.timedelta(days=20),
    )
    get(reverse("matching:resident_pairings", args=[resident.pk]))

    # The mentor logs a contact with notes and an urgent concern through the form.
    client.force_login(mentor.user)
    url = reverse("activity_log:contact_new", args=[pairing.pk])
    assert get(url).status_code == 200
    happened = timezone.localtime(timezone.now() - dt.timedelta(hours=1))
    form = {
        "happened_at": happened.strftime("%Y-%m-%dT%H:%M"),
        "method": "phone",
        "duration_minutes": "25",
        "notes": NOTES,
        "follow_up": FOLLOW_UP,
        "concern_level": "urgent",
        "concern_note": CONCERN,
    }
    # A bad submission first (the text comes back in the form, never in a log).
    bad = post(url, {**form, "duration_minutes": "-5"})
    assert bad.status_code in (200, 400)
    with capture_on_commit(execute=True):
        saved = post(url, form)
    assert saved.status_code in (200, 302), saved.content.decode()[:500]
    contact = ContactLog.objects.get(pairing=pairing)
    assert contact.notes == NOTES

    # The manager acknowledges the urgent concern from the dashboard, with a note.
    client.force_login(manager)
    acknowledge = reverse("activity_log:concern_acknowledge", args=[contact.pk])
    assert post(acknowledge, {"note": ""}).status_code == 200  # a note is required
    with capture_on_commit(execute=True):
        acknowledged = post(acknowledge, {"note": ACK_NOTE})
    assert acknowledged.status_code == 302
    contact.refresh_from_db()
    assert contact.acknowledgement_note == ACK_NOTE

    # A page that does not exist, with ids in the path only.
    get(f"/residents/{resident.pk + 1000}/")

    # Later: the overdue scan and the sender (mentor reminder, manager escalation).
    later = timezone.now() + dt.timedelta(days=30)
    with capture_on_commit(execute=True):
        scan_overdue(now=later, enqueue=False)
        send_due_reminders(now=later)
        scan_overdue(now=later + dt.timedelta(days=5), enqueue=False)
        send_due_reminders(now=later + dt.timedelta(days=5))
    assert mailoutbox, "the flow should have sent at least one email"
    return visited
