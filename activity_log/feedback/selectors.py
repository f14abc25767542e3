"""Reads for feedback pages: mentor averages, a resident's answers, the dashboard card."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from activity_log.feedback.models import (
    AssessmentLink,
    FeedbackRequest,
    FeedbackResponse,
    RecoveryAssessment,
)
from activity_log.feedback.services import PERIOD_DAYS, token_hash
from activity_log.reports.attention import LIST_LIMIT, Capped, capped
from activity_log.reports.scope import Scope
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
        .select_related("pairing__mentor__user", "resident")
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
        # Staff rows by house id (`Scope.by_house`): the same as `visible_to` narrowed.
        scope.by_house(FeedbackResponse.objects.all(), "resident__house_id")
        .worrying()
        .filter(submitted_at__gte=now - dt.timedelta(days=ATTENTION_DAYS))
        .select_related("resident__house")
        # What the card shows (feedback/_attention_rows.html): narrow rows count and sort faster.
        .only(
            "id",
            "resident_id",
            "wants_new_mentor",
            "resident__preferred_name",
            "resident__house_id",
            "resident__house__name",
        )
        .order_by("-submitted_at", "-id")
    )
    return capped(qs)


# --- Recovery capital ---------------------------------------------------------------------------

# A resident is due for a recovery check when they have none in this many days, or none since
# they moved in.
RECOVERY_CHECK_DAYS = 90


def recovery_check_due(
    *, move_in_date: dt.date, latest: dt.datetime | None, now: dt.datetime | None = None
) -> bool:
    """The rule for one resident. SQL twin: `_recent_check()` below (a test keeps them equal)."""
    now = now or timezone.now()
    if latest is None:
        return True
    return latest < now - dt.timedelta(days=RECOVERY_CHECK_DAYS) or (
        timezone.localdate(latest) < move_in_date
    )


def _recent_check(now: dt.datetime) -> Exists:
    return Exists(
        RecoveryAssessment.objects.filter(
            resident_id=OuterRef("pk"),
            taken_at__gte=now - dt.timedelta(days=RECOVERY_CHECK_DAYS),
            taken_at__date__gte=OuterRef("move_in_date"),
        )
    )


def due_resident_ids(residents, *, now: dt.datetime | None = None) -> set[int]:
    """Which of these residents are due (one query, whatever their number)."""
    ids = [r.pk for r in residents]
    if not ids:
        return set()
    now = now or timezone.now()
    return set(
        Resident.objects.filter(pk__in=ids).exclude(_recent_check(now)).values_list("pk", flat=True)
    )


def residents_due_recovery_check(
    scope: Scope, *, now: dt.datetime | None = None, limit: int = LIST_LIMIT
) -> Capped:
    """Active residents in scope due for a check, longest in the house first: one query."""
    now = now or timezone.now()
    qs = (
        scope.residents()
        .active()
        .exclude(_recent_check(now))
        .select_related("house")
        # What the list and the dashboard show: name, house, move-in date.
        .only("id", "preferred_name", "move_in_date", "house_id", "house__name")
        .order_by("move_in_date", "id")
    )
    return capped(qs, limit)


def count_residents_due_recovery_check(scope: Scope, *, now: dt.datetime | None = None) -> int:
    """How many residents `residents_due_recovery_check` would list (the dashboard card shows
    only the number): one COUNT, no rows, no house join, no sort."""
    now = now or timezone.now()
    return scope.staff_residents().active().exclude(_recent_check(now)).count()


@dataclass(frozen=True)
class RecoveryHistory:
    assessments: list  # oldest first
    change: int | None  # latest total minus the first (since intake)

    @property
    def latest(self):
        return self.assessments[-1] if self.assessments else None


def recovery_history(resident: Resident) -> RecoveryHistory:
    assessments = list(
        RecoveryAssessment.objects.filter(resident=resident)
        .select_related("entered_by")
        .order_by("taken_at", "id")
    )
    change = assessments[-1].total - assessments[0].total if len(assessments) > 1 else None
    return RecoveryHistory(assessments=assessments, change=change)


def open_assessment_link(token: str, *, now: dt.datetime | None = None) -> AssessmentLink | None:
    now = now or timezone.now()
    if not token or len(token) > 100:
        return None
    return (
        AssessmentLink.objects.filter(
            token_hash=token_hash(token), used_at__isnull=True, expires_at__gt=now
        )
        .select_related("resident")
        .first()
    )
