"""Demo data for `seed_demo` (runs after activity_log.demo): feedback answers (at least five for
mentor@example.com, so their averages show), recovery checks and goal histories for the
hand-written demo residents. Nothing for the large scale's bulk residents."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from activity_log.feedback import instruments
from activity_log.feedback.models import FeedbackRequest, FeedbackResponse, RecoveryAssessment
from matching.models import Pairing
from mentoring_site.demo import DemoContext
from residents.models import GoalProgress, RecoveryGoal, Resident

DEMO_MENTOR = "mentor@example.com"
COMMENTS = [
    "Sam always calls back. It helps to have someone who has been there.",
    "Good listener. I would like to meet in person more often.",
    "",
    "He helped me get ready for the interview.",
    "",
    "",
]
PROGRESS_NOTES = [
    "Talked it through with the mentor",
    "First steps done",
    "Halfway there",
    "Needs a new plan after a hard week",
]


def seed(ctx: DemoContext) -> None:
    residents = [r.pk for r in ctx.data.get("residents", [])]
    if not residents:
        ctx.log.append("feedback: no demo residents.")
        return
    if RecoveryAssessment.objects.filter(resident_id__in=residents).exists():
        ctx.log.append("feedback: demo feedback already present, left as it is.")
        return
    with transaction.atomic():
        answers = _seed_feedback(ctx, residents)
        checks = _seed_assessments(ctx, residents)
        steps = _seed_goal_histories(ctx, residents)
    ctx.log.append(
        f"feedback: {answers} feedback answers, {checks} recovery checks, {steps} goal steps."
    )


def _answer(ctx, pairing, *, days_ago: int, low: bool = False, comment: str = "") -> None:
    at = ctx.now - dt.timedelta(days=days_ago, hours=ctx.rng.randint(1, 8))
    request = FeedbackRequest.objects.create(
        pairing=pairing,
        resident_id=pairing.resident_id,
        trigger=FeedbackRequest.Trigger.MANUAL,
        created_at=at - dt.timedelta(days=2),
        used_at=at,
    )
    score = (lambda: ctx.rng.choice([1, 2])) if low else (lambda: ctx.rng.choice([4, 4, 5, 5, 3]))
    FeedbackResponse.objects.create(
        request=request,
        pairing=pairing,
        resident_id=pairing.resident_id,
        mentor_id=pairing.mentor_id,
        shows_up=score(),
        listens=score(),
        helps_goals=score(),
        wants_new_mentor=low,
        comment=comment,
        submitted_at=at,
    )


def _seed_feedback(ctx: DemoContext, residents: list[int]) -> int:
    pairings = list(
        Pairing.objects.filter(resident_id__in=residents)
        .exclude(last_contact_at__isnull=True)
        .select_related("mentor__user")
        .order_by("pk")
    )
    sam = [p for p in pairings if p.mentor.user.email == DEMO_MENTOR]
    count = 0
    # Six answers about Sam within 90 days (the averages show from five), spread over mentees.
    for i, days_ago in enumerate((5, 18, 33, 47, 61, 80)):
        if sam:
            _answer(ctx, sam[i % len(sam)], days_ago=days_ago, comment=COMMENTS[i])
            count += 1
    # One worrying answer for another mentor's mentee: the dashboard's "needs attention".
    others = [p for p in pairings if p.mentor.user.email != DEMO_MENTOR and p.is_active]
    if others:
        _answer(ctx, others[0], days_ago=3, low=True, comment="We have not met in weeks.")
        count += 1
    return count


def _seed_assessments(ctx: DemoContext, residents: list[int]) -> int:
    barc = instruments.CURRENT
    rows = []
    active = Resident.objects.filter(pk__in=residents, status=Resident.Status.ACTIVE)
    for n, resident in enumerate(active.order_by("pk")):
        if n % 4 == 3:
            continue  # some residents are due for their first check
        days_in = (ctx.today - resident.move_in_date).days
        level = ctx.rng.randint(2, 4)
        for days_ago in sorted({max(days_in - 3, 1), max(days_in // 2, 1), 20}, reverse=True):
            if days_ago > days_in:
                continue
            answers = [min(6, max(1, level + ctx.rng.choice([-1, 0, 0, 1]))) for _ in range(10)]
            rows.append(
                RecoveryAssessment(
                    resident=resident,
                    instrument=barc.slug,
                    answers=answers,
                    total=barc.score(answers),
                    source=RecoveryAssessment.Source.MANAGER,
                    taken_at=ctx.now - dt.timedelta(days=days_ago),
                )
            )
            level = min(6, level + 1)  # most residents gain recovery capital as weeks go by
    RecoveryAssessment.objects.bulk_create(rows)
    return len(rows)


def _seed_goal_histories(ctx: DemoContext, residents: list[int]) -> int:
    steps = []
    goals = RecoveryGoal.objects.filter(resident_id__in=residents, progress__isnull=True)
    for goal in goals.select_related("resident").order_by("pk"):
        start = timezone.make_aware(
            dt.datetime.combine(goal.resident.move_in_date, dt.time(10))
        ) + dt.timedelta(days=2)
        steps.append(GoalProgress(goal=goal, status=GoalProgress.Status.NOT_STARTED, at=start))
        middle = start + (ctx.now - start) / 2
        steps.append(
            GoalProgress(
                goal=goal,
                status=GoalProgress.Status.IN_PROGRESS,
                note=ctx.rng.choice(PROGRESS_NOTES),
                at=min(middle, ctx.now - dt.timedelta(days=1)),
            )
        )
        if goal.status != RecoveryGoal.Status.OPEN and goal.closed_on:
            status = (
                GoalProgress.Status.ACHIEVED
                if goal.status == RecoveryGoal.Status.ACHIEVED
                else GoalProgress.Status.SET_ASIDE
            )
            at = timezone.make_aware(dt.datetime.combine(goal.closed_on, dt.time(15)))
            steps.append(GoalProgress(goal=goal, status=status, at=max(at, middle)))
    GoalProgress.objects.bulk_create(steps)
    return len(steps)
