"""Helpers for the feedback tests (plain functions: fixtures live in each test file)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from activity_log.feedback import services
from activity_log.feedback.models import FeedbackRequest, FeedbackResponse
from tests import factories as f


def pairing_in(house, mentor, *, days_ago: int = 30, **kwargs):
    resident = f.ResidentFactory(house=house)
    return f.PairingFactory(
        mentor=mentor,
        resident=resident,
        started_on=timezone.localdate() - dt.timedelta(days=days_ago),
        **kwargs,
    )


def issued_link(pairing, *, trigger=FeedbackRequest.Trigger.MANUAL, period=0) -> tuple:
    """A request with a printed link: (request, token)."""
    request = services.feedback_request_create(pairing=pairing, trigger=trigger, period=period)
    return request, services.feedback_link_issue(request=request)


def answers(**overrides) -> dict:
    data = {
        "shows_up": "4",
        "listens": "5",
        "helps_goals": "4",
        "wants_new_mentor": "no",
        "comment": "",
    }
    data.update(overrides)
    return data


def response_for(pairing, *, days_ago: int = 1, **scores) -> FeedbackResponse:
    """A saved answer (straight to the model: the tests of the form cover the path)."""
    request = FeedbackRequest.objects.create(
        pairing=pairing,
        resident_id=pairing.resident_id,
        trigger=FeedbackRequest.Trigger.MANUAL,
        used_at=timezone.now(),
    )
    values = {"shows_up": 4, "listens": 4, "helps_goals": 4, "wants_new_mentor": False}
    values.update(scores)
    return FeedbackResponse.objects.create(
        request=request,
        pairing=pairing,
        resident_id=pairing.resident_id,
        mentor_id=pairing.mentor_id,
        submitted_at=timezone.now() - dt.timedelta(days=days_ago),
        **values,
    )
