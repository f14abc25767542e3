"""Reads for feedback pages: mentor averages, a resident's answers, the dashboard card."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from activity_log.attention import Capped, _capped
from activity_log.feedback.models import FeedbackRequest, FeedbackResponse
from activity_log.feedback.services import PERIOD_DAYS, token_hash
from activity_log.reports import Scope
from mentors.models import Mentor
from residents.models import Resident

# Averages over fewer answers could point at one resident: they stay hidden until there are 5.
MIN_RESPONSES = 5
# A worrying answer stays on the dashboard for this long.
ATTENTION_DAYS = 30


@dataclass(frozen=True)
class Averages:
    count: int
    shows_up: float | None
    listens: float | None
    helps_goals: float | None
    wants_new_mentor: int

    @property
    def enough(self) -> bool:
        return self.count >= MIN_RESPONSES


def mentor_averages(mentor: Mentor, *, now: dt.datetime | None = None) -> dict[str, Averages]:
    """All time and the last 90 days, in one query (feedback_resp_mentor_idx)."""
    now = now or timezone.now()
    recent = Q(submitted_at__gte=now - dt.timedelta(days=PERIOD_DAYS))
    aggregates = {}
    for key, condition in (("all_time", Q()), ("last_90", recent)):
        aggregates[f"{key}_count"] = Count("pk", filter=condition)
        aggregates[f"{key}_new"] = Count("pk", filter=condition & Q(wants_new_mentor=True))
        for name in ("shows_up", "listens", "helps_goals"):
            aggregates[f"{key}_{name}"] = Avg(name, filter=condition)
    row = FeedbackResponse.objects.filter(mentor=mentor).aggregate(**aggregates)
    return {
        key: Averages(
            count=row[f"{key}_count"],
            shows_up=row[f"{key}_shows_up"],
            listens=row[f"{key}_listens"],
            helps_goals=row[f"{key}_helps_goals"],
            wants_new_mentor=row[f"{key}_new"],
        )
        for key in ("all_time", "last_90")
    }


def open_request_for_token(token: str, *, now: dt.datetime | None = None) -> FeedbackRequest | None:
    """The request behind a link, if the link still works; None for anything else."""
    now = now or timezone.now()
    if not token or len(token) > 100:
        return None
    return (
        FeedbackRequest.objects.filter(
            token_hash=token_hash(token), used_at__isnull=True, expires_at__gt=now
        )
        .select_related("pairing__mentor__user")
        .first()
    )


def resident_responses(resident: Resident) -> QuerySet[FeedbackResponse]:
    return FeedbackResponse.objects.filter(resident=resident).select_related("mentor__user")


def resident_requests(resident: Resident) -> QuerySet[FeedbackRequest]:
    """Requests still waiting for an answer, newest first."""
    return FeedbackRequest.objects.filter(resident=resident, used_at__isnull=True).select_related(
        "pairing__mentor__user"
    )


def needs_attention(scope: Scope, *, now: dt.datetime | None = None) -> Capped:
    """Recent answers with a score of 1-2 or asking for another mentor: one query."""
    now = now or timezone.now()
    qs = (
        FeedbackResponse.objects.visible_to(scope.user)
        .worrying()
        .filter(
            submitted_at__gte=now - dt.timedelta(days=ATTENTION_DAYS),
            resident__in=scope.residents(),
        )
        .select_related("resident__house")
        .order_by("-submitted_at", "-id")
    )
    return _capped(qs)
