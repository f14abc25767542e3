"""An urgent concern acknowledged, lowered and raised again alerts the managers again.

Before: the alert's outbox row was keyed on the contact's creation time, so the second alert
collided with the first and was dropped; the old acknowledgement stayed, so the dashboard never
showed the concern again.
"""

import pytest
from django.urls import reverse

from activity_log.models import ContactLog, Reminder
from tests.activity_log.contact_support import form_data, pairing_for

pytestmark = pytest.mark.django_db


def _urgent_rows(client) -> list[int]:
    page = client.get(reverse("activity_log:dashboard"))
    return [row.pk for row in page.context["urgent"].rows]


def test_a_concern_raised_again_alerts_again_and_returns_to_the_dashboard(
    client, as_user, mentor, manager, house, django_capture_on_commit_callbacks
):
    pairing = pairing_for(mentor, house=house)
    with django_capture_on_commit_callbacks(execute=False):
        as_user(mentor.user).post(
            reverse("activity_log:contact_new", args=[pairing.pk]),
            form_data(concern_level="urgent", concern_note="Talked about using again"),
        )
    contact = ContactLog.objects.get()
    assert Reminder.objects.filter(contact=contact, recipient=manager).count() == 1

    manager_client = as_user(manager)
    assert _urgent_rows(manager_client) == [contact.pk]
    manager_client.post(
        reverse("activity_log:concern_acknowledge", args=[contact.pk]), {"note": "Called him"}
    )
    assert _urgent_rows(manager_client) == []

    mentor_client = as_user(mentor.user)
    edit = reverse("activity_log:contact_edit", args=[contact.pk])
    with django_capture_on_commit_callbacks(execute=False):
        lowered = mentor_client.post(edit, form_data(concern_level="watch"))
        assert lowered.status_code == 302
        raised = mentor_client.post(
            edit, form_data(concern_level="urgent", concern_note="Worse today")
        )
        assert raised.status_code == 302

    alerts = Reminder.objects.filter(
        contact=contact, recipient=manager, kind=Reminder.Kind.URGENT_CONCERN
    )
    assert alerts.count() == 2
    assert alerts.filter(sent_at__isnull=True).count() == 2
    contact.refresh_from_db()
    assert contact.acknowledged_at is None and contact.acknowledgement_note == ""
    assert _urgent_rows(as_user(manager)) == [contact.pk]


def test_editing_an_open_urgent_concern_does_not_alert_twice(
    as_user, mentor, manager, house, django_capture_on_commit_callbacks
):
    pairing = pairing_for(mentor, house=house)
    client = as_user(mentor.user)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(
            reverse("activity_log:contact_new", args=[pairing.pk]),
            form_data(concern_level="urgent"),
        )
        contact = ContactLog.objects.get()
        client.post(
            reverse("activity_log:contact_edit", args=[contact.pk]),
            form_data(concern_level="urgent", notes="more detail"),
        )
    assert Reminder.objects.filter(contact=contact, recipient=manager).count() == 1
