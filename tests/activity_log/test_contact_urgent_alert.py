from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from activity_log.models import ContactLog, Reminder
from tests import factories as f
from tests.activity_log.contact_support import form_data, pairing_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def pairing(mentor, house, manager):
    return pairing_for(mentor, house=house)


def _post_urgent(client, pairing, **extra):
    return client.post(
        reverse("activity_log:contact_new", args=[pairing.pk]),
        form_data(concern_level="urgent", concern_note="Talked about using again", **extra),
    )


def test_urgent_queues_one_reminder_per_house_manager_and_enqueues_once_after_commit(
    as_user, mentor, pairing, house, django_capture_on_commit_callbacks
):
    other_manager = f.ManagerUserFactory()
    house.managers.add(other_manager)
    with (
        mock.patch("activity_log.tasks.send_reminders.apply_async") as delay,
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        response = _post_urgent(as_user(mentor.user), pairing)
        assert response.status_code == 302
        delay.assert_not_called()  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    with mock.patch("activity_log.tasks.send_reminders.apply_async") as delay:
        for callback in callbacks:
            callback()
    delay.assert_called_once()  # through enqueue_send: bounded, after commit
    contact = ContactLog.objects.get()
    reminders = Reminder.objects.filter(kind=Reminder.Kind.URGENT_CONCERN)
    assert {r.recipient for r in reminders} == set(house.managers.all())
    assert {r.subject_key for r in reminders} == {f"contact:{contact.pk}"}
    assert all(r.contact == contact and r.due_at == contact.created_at for r in reminders)
    assert contact.acknowledged_at is None
    assert mail.outbox == []  # the reminders task sends; the log form never emails itself


def test_a_resent_urgent_post_does_not_alert_twice(
    as_user, mentor, pairing, django_capture_on_commit_callbacks
):
    client = as_user(mentor.user)
    data = form_data(concern_level="urgent")
    url = reverse("activity_log:contact_new", args=[pairing.pk])
    with (
        mock.patch("activity_log.tasks.send_reminders.apply_async") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(url, data)
        client.post(url, data)
    assert delay.call_count == 1
    assert Reminder.objects.count() == 1


def test_watch_and_none_raise_no_alert(
    as_user, mentor, pairing, django_capture_on_commit_callbacks
):
    client = as_user(mentor.user)
    url = reverse("activity_log:contact_new", args=[pairing.pk])
    with (
        mock.patch("activity_log.tasks.send_reminders.apply_async") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(url, form_data(concern_level="watch"))
        client.post(url, form_data())
    delay.assert_not_called()
    assert not Reminder.objects.exists()


def test_editing_a_contact_to_urgent_alerts_once(
    as_user, mentor, pairing, django_capture_on_commit_callbacks
):
    client = as_user(mentor.user)
    client.post(reverse("activity_log:contact_new", args=[pairing.pk]), form_data())
    contact = ContactLog.objects.get()
    edit = reverse("activity_log:contact_edit", args=[contact.pk])
    with (
        mock.patch("activity_log.tasks.send_reminders.apply_async") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(edit, form_data(concern_level="urgent"))
        client.post(edit, form_data(concern_level="urgent", notes="more detail"))
    assert delay.call_count == 1
    assert Reminder.objects.filter(contact=contact).count() == 1


def test_the_saved_page_repeats_the_crisis_guidance(as_user, mentor, pairing):
    client = as_user(mentor.user)
    response = _post_urgent(client, pairing)
    html = client.get(response.url).content.decode()
    assert "managers have been alerted" in html
    assert "988" in html and "911" in html


def test_a_house_without_managers_alerts_the_program_admins(as_user, mentor, program_admin):
    pairing = pairing_for(mentor, house=f.HouseFactory())
    _post_urgent(as_user(mentor.user), pairing)
    assert [r.recipient for r in Reminder.objects.all()] == [program_admin]
