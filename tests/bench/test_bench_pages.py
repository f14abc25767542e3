"""bench/bench_pages.py: every page it measures answers 200 on the small demo, for the user it
signs in as, so a benchmark run does not stop half-way on a 404 or a redirect."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from activity_log.feedback.models import FeedbackRequest
from mentoring_site.models import User

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from bench_dashboard import record_mfa  # noqa: E402
from bench_pages import (  # noqa: E402
    FreshFeedbackLink,
    admin_pages,
    manager_pages,
    mentor_pages,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo")


@pytest.mark.parametrize(
    ("email", "pages"),
    [
        ("manager@example.com", manager_pages),
        ("mentor@example.com", mentor_pages),
        ("admin@example.com", admin_pages),
    ],
)
def test_every_page_answers_200_for_its_user(demo, email, pages):
    user = User.objects.get(email=email)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    record_mfa(client, user)
    listed = pages(user)
    assert listed
    for label, path, headers in listed:
        assert client.get(path, **headers).status_code == 200, label


def test_the_new_pages_are_measured(demo):
    labels = {label for label, _, _ in manager_pages(User.objects.get(email="manager@example.com"))}
    assert {
        "groups list",
        "house sessions",
        "attendance form",
        "resident attendance slot",
        "resident feedback slot",
        "resident recovery slot",
        "recovery due list",
        "outcomes report",
        "mentor feedback slot",
    } <= labels
    mentor = {label for label, _, _ in mentor_pages(User.objects.get(email="mentor@example.com"))}
    assert "groups: today slot" in mentor


def test_the_fresh_feedback_link_opens_the_form_and_is_deleted_after(demo):
    before = FeedbackRequest.objects.count()
    with FreshFeedbackLink(User.objects.get(email="manager@example.com")) as token:
        response = Client().get(f"/f/{token}/")
        assert response.status_code == 200
        assert FeedbackRequest.objects.count() == before + 1
    assert FeedbackRequest.objects.count() == before
