"""Application logs never contain names, notes or phone numbers.

A full contact flow runs with every logger at DEBUG (root and django.request): a manager admits a
resident and opens the record, pairs a mentor, the mentor logs a contact with notes and an urgent
concern through the real form, a bad submission and a 404 happen, the overdue scan and the sender
run. No captured log record may contain the resident's names, phone or any note text.
"""

import datetime as dt
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log import reminders
from activity_log.models import ContactLog
from matching.services import pairing_create
from residents.services import resident_create

pytestmark = pytest.mark.django_db

PREFERRED, FIRST, LAST = "Philippa", "Philomena", "Vandersloot"
PHONE = "555-0142"
NOTES = "She talked about her brother Ignatius and the court date"
FOLLOW_UP = "Ask about Ignatius hearing"
CONCERN = "Said Zebulon offered her pills"
SECRETS = [PREFERRED, FIRST, LAST, PHONE, "5550142", "Ignatius", "Zebulon", "pills"]


def test_a_full_contact_flow_logs_nothing_personal(
    caplog, client, manager, house, mentor, mailoutbox, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.request")
    caplog.set_level(logging.DEBUG, logger="activity_log")
    caplog.set_level(logging.DEBUG, logger="celery")

    # The manager admits a resident (service) and opens the record pages.
    client.force_login(manager)
    resident, _ = resident_create(
        user=manager,
        house=house,
        preferred_name=PREFERRED,
        first_name=FIRST,
        last_name=LAST,
        move_in_date=timezone.localdate() - dt.timedelta(days=20),
        phone=PHONE,
    )
    assert client.get(reverse("residents:detail", args=[resident.pk])).status_code == 200
    pairing = pairing_create(
        resident=resident,
        mentor=mentor,
        created_by=manager,
        started_on=timezone.localdate() - dt.timedelta(days=20),
    )
    client.get(reverse("matching:resident_pairings", args=[resident.pk]))

    # The mentor logs a contact with notes and an urgent concern through the form.
    client.force_login(mentor.user)
    url = reverse("activity_log:contact_new", args=[pairing.pk])
    assert client.get(url).status_code == 200
    happened = timezone.localtime() - dt.timedelta(hours=1)
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
    bad = client.post(url, {**form, "duration_minutes": "-5"})
    assert bad.status_code in (200, 400)
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(url, form)
    assert saved.status_code in (200, 302), saved.content.decode()[:500]
    contact = ContactLog.objects.get(pairing=pairing)
    assert contact.notes == NOTES

    # A page that does not exist, with ids in the path only.
    client.get(f"/residents/{resident.pk + 1000}/")

    # Later: the overdue scan and the sender (mentor reminder, manager escalation).
    later = timezone.now() + dt.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        reminders.scan_overdue(now=later, enqueue=False)
        reminders.send_due_reminders(now=later)
        reminders.scan_overdue(now=later + dt.timedelta(days=5), enqueue=False)
        reminders.send_due_reminders(now=later + dt.timedelta(days=5))
    assert mailoutbox, "the flow should have sent at least one email"

    assert caplog.records, "the flow should have logged something"
    for record in caplog.records:
        text = record.getMessage() + " " + (record.exc_text or "")
        for secret in SECRETS:
            assert secret not in text, f"{record.name} logged {secret!r}: {text[:200]}"
