"""Feedback is asked automatically once per trigger: after the fourth real contact, when the
pairing ends, every 90 days of an active pairing; and whenever a manager asks."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from activity_log import tasks
from activity_log.contacts import services as contact_services
from activity_log.feedback import services
from activity_log.feedback.models import FeedbackRequest
from activity_log.models import ContactLog
from matching import services as matching
from matching.models import Pairing
from matching.signals import pairing_ended
from residents import services as resident_services
from tests import factories as f
from tests.activity_log.feedback.support import pairing_in

pytestmark = pytest.mark.django_db

Trigger = FeedbackRequest.Trigger


@pytest.fixture
def pairing(house, mentor):
    return pairing_in(house, mentor, days_ago=30)


def log(pairing, *, hours_ago: int, method=ContactLog.Method.IN_PERSON):
    return contact_services.contact_log(
        pairing=pairing,
        author=pairing.mentor.user,
        happened_at=timezone.now() - dt.timedelta(hours=hours_ago),
        method=method,
    )


def test_the_fourth_real_contact_asks_for_feedback_once(
    pairing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for hours in (50, 40, 30):
            log(pairing, hours_ago=hours)
        log(pairing, hours_ago=25, method=ContactLog.Method.NO_ANSWER)  # a missed attempt
    assert not FeedbackRequest.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        log(pairing, hours_ago=20)
    request = FeedbackRequest.objects.get()
    assert (request.trigger, request.pairing, request.resident_id) == (
        Trigger.FOURTH_CONTACT,
        pairing,
        pairing.resident_id,
    )
    assert request.token_hash is None  # waiting for a manager to print or send it
    with django_capture_on_commit_callbacks(execute=True):
        log(pairing, hours_ago=10)
    assert FeedbackRequest.objects.count() == 1


def test_the_fourth_contact_asks_only_after_the_contact_commits(
    pairing, django_capture_on_commit_callbacks
):
    for hours in (50, 40, 30):
        ContactLog.objects.create(
            pairing=pairing,
            created_by=pairing.mentor.user,
            happened_at=timezone.now() - dt.timedelta(hours=hours),
        )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        log(pairing, hours_ago=20)
    assert not FeedbackRequest.objects.exists()
    assert len(callbacks) == 1


def test_ending_a_pairing_sends_pairing_ended_after_commit_and_asks_once(
    pairing, django_capture_on_commit_callbacks
):
    ContactLog.objects.create(
        pairing=pairing, created_by=pairing.mentor.user, happened_at=timezone.now()
    )
    seen = []
    pairing_ended.connect(lambda sender, pairing, **kw: seen.append(pairing.pk), weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            matching.pairing_end(pairing=pairing, reason=Pairing.EndReason.COMPLETED)
    finally:
        pairing_ended.receivers = pairing_ended.receivers[:-1]
        pairing_ended.sender_receivers_cache.clear()
    assert seen == [pairing.pk]
    request = FeedbackRequest.objects.get()
    assert request.trigger == Trigger.PAIRING_ENDED
    assert services.feedback_after_pairing_ended(pairing=pairing) is None
    assert FeedbackRequest.objects.count() == 1


def test_a_pairing_that_ended_before_any_contact_asks_nothing(
    pairing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        matching.pairing_end(pairing=pairing, reason=Pairing.EndReason.NOT_A_GOOD_FIT)
    assert not FeedbackRequest.objects.exists()


def test_a_rolled_back_end_sends_nothing(pairing, django_capture_on_commit_callbacks):
    from django.db import transaction

    ContactLog.objects.create(
        pairing=pairing, created_by=pairing.mentor.user, happened_at=timezone.now()
    )
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        matching.pairing_end(pairing=pairing, reason=Pairing.EndReason.COMPLETED)
        raise RuntimeError("roll back")
    assert not FeedbackRequest.objects.exists()


def test_a_resident_leaving_ends_the_pairing_and_asks_for_feedback(
    pairing, manager, django_capture_on_commit_callbacks
):
    ContactLog.objects.create(
        pairing=pairing, created_by=pairing.mentor.user, happened_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        resident_services.resident_exit(
            resident=pairing.resident,
            status="graduated",
            exit_date=timezone.localdate(),
            reason="",
            user=manager,
        )
    assert FeedbackRequest.objects.get().trigger == Trigger.PAIRING_ENDED


def test_every_90_days_of_an_active_pairing_asks_once_per_period(house, mentor, mentor2):
    today = timezone.localdate()
    young = pairing_in(house, mentor, days_ago=89)
    first = pairing_in(house, mentor, days_ago=90)
    third = pairing_in(house, mentor2, days_ago=275)
    paused = pairing_in(house, mentor2, days_ago=200, status=Pairing.Status.PAUSED)
    assert services.feedback_requests_scan(today=today) == 2
    assert services.feedback_requests_scan(today=today) == 0
    found = set(
        FeedbackRequest.objects.filter(trigger=Trigger.EVERY_90_DAYS).values_list(
            "pairing_id", "period"
        )
    )
    assert found == {(first.pk, 1), (third.pk, 3)}
    assert young.pk not in {p for p, _ in found} and paused.pk not in {p for p, _ in found}
    # The next period, 90 days on, asks again.
    assert services.feedback_requests_scan(today=today + dt.timedelta(days=90)) == 3


def test_the_90_day_scan_is_on_the_beat_and_imported():
    entries = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "activity_log.feedback.tasks.feedback_scan_task" in entries
    assert tasks.feedback_scan_task.name == "activity_log.feedback.tasks.feedback_scan_task"


def test_the_beat_task_runs_the_scan(house, mentor):
    pairing_in(house, mentor, days_ago=100)
    assert tasks.feedback_scan_task() == 1


def test_a_manager_asks_from_the_resident_page_and_gets_a_slip(as_user, manager, pairing):
    client = as_user(manager)
    response = client.post(reverse("activity_log:feedback_request_new", args=[pairing.resident_id]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert "<svg" in body and "/f/" in body
    request = FeedbackRequest.objects.get()
    assert (request.trigger, request.created_by) == (Trigger.MANUAL, manager)
    token = body.split("/f/")[1].split("/")[0]
    assert client.get(f"/f/{token}/").status_code == 200
    # Manual requests are not limited to one per pairing.
    client.post(reverse("activity_log:feedback_request_new", args=[pairing.resident_id]))
    assert FeedbackRequest.objects.filter(trigger=Trigger.MANUAL).count() == 2


def test_a_manager_prints_a_waiting_automatic_request(as_user, manager, pairing):
    request = services.feedback_request_create(pairing=pairing, trigger=Trigger.FOURTH_CONTACT)
    client = as_user(manager)
    section = client.get(reverse("activity_log:feedback_resident", args=[pairing.resident_id]))
    assert "After the fourth contact" in section.content.decode()
    response = client.post(reverse("activity_log:feedback_request_slip", args=[request.pk]))
    assert response.status_code == 200
    assert "<svg" in response.content.decode()
    request.refresh_from_db()
    assert request.token_hash is not None


def test_a_used_request_cannot_be_printed_again(as_user, manager, pairing):
    request = services.feedback_request_create(pairing=pairing, trigger=Trigger.FOURTH_CONTACT)
    FeedbackRequest.objects.filter(pk=request.pk).update(used_at=timezone.now())
    response = as_user(manager).post(
        reverse("activity_log:feedback_request_slip", args=[request.pk])
    )
    assert response.status_code == 400
    assert "already been given" in response.content.decode()


def test_asking_about_a_resident_without_a_mentor_is_explained(as_user, manager, house):
    resident = f.ResidentFactory(house=house)
    response = as_user(manager).post(
        reverse("activity_log:feedback_request_new", args=[resident.pk])
    )
    assert response.status_code == 400
    assert "no mentor yet" in response.content.decode()
    assert not FeedbackRequest.objects.exists()


def test_a_failing_feedback_check_never_fails_the_contact(
    pairing, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise RuntimeError("feedback is down")

    monkeypatch.setattr(services, "feedback_after_contact", broken)
    for hours in (50, 40, 30):
        ContactLog.objects.create(
            pairing=pairing,
            created_by=pairing.mentor.user,
            happened_at=timezone.now() - dt.timedelta(hours=hours),
        )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        contact = log(pairing, hours_ago=3)
    assert len(callbacks) == 1  # the fourth contact: the (broken) check ran after commit
    assert ContactLog.objects.filter(pk=contact.pk).exists()


def test_a_failing_pairing_ended_receiver_never_fails_the_end(
    pairing, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise RuntimeError("feedback is down")

    monkeypatch.setattr(services, "feedback_after_pairing_ended", broken)
    with django_capture_on_commit_callbacks(execute=True):
        matching.pairing_end(pairing=pairing, reason=Pairing.EndReason.COMPLETED)
    pairing.refresh_from_db()
    assert pairing.status == Pairing.Status.ENDED


def test_a_manager_asks_from_the_pairing_page_about_that_pairing(
    as_user, manager, manager2, mentor, pairing
):
    client = as_user(manager)
    page = client.get(reverse("matching:detail", args=[pairing.pk])).content.decode()
    url = reverse("activity_log:feedback_request_for_pairing", args=[pairing.pk])
    assert url in page
    response = client.post(url)
    assert response.status_code == 200 and "<svg" in response.content.decode()
    assert FeedbackRequest.objects.get().pairing == pairing
    for outsider in (manager2, mentor.user):
        assert as_user(outsider).post(url).status_code == 404
    assert FeedbackRequest.objects.count() == 1
