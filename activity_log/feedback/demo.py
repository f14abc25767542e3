"""Demo data for `seed_demo` (runs after activity_log.demo): feedback answers (at least five for
mentor@example.com, so their averages show), recovery checks and goal histories for the
hand-written demo residents. `--scale large`: the same, in bulk, for the bulk houses' residents
and pairings (`seed_large`), so the feedback and recovery pages are measured at that size."""

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
    if ctx.large:
        seed_large(ctx)


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


# --- --scale large -------------------------------------------------------------------------------


def seed_large(ctx: DemoContext) -> None:
    """For the bulk houses, in bulk (a few seconds, a bounded number of queries): about half of
    the pairings with contacts get 1-3 answered feedback requests; most active residents get 1-3
    recovery checks over the last year (the rest are due for their first); open goals get a
    "not started" and sometimes an "in progress" step."""
    houses = list(ctx.data.get("large_houses") or [])
    if not houses:
        return
    if RecoveryAssessment.objects.filter(resident__house__in=houses).exists():
        ctx.log.append("feedback: large feedback already present, left as it is.")
        return
    with transaction.atomic():
        answers = _large_feedback(ctx, houses)
        checks = _large_assessments(ctx, houses)
        steps = _large_goal_steps(ctx, houses)
    ctx.log.append(
        f"feedback: {answers} feedback answers, {checks} recovery checks, {steps} goal steps "
        "(large)."
    )


def _large_feedback(ctx: DemoContext, houses) -> int:
    rng = ctx.rng
    pairings = (
        Pairing.objects.filter(resident__house__in=houses, last_contact_at__isnull=False)
        .order_by("pk")
        .values_list("pk", "resident_id", "mentor_id", "started_on", "ended_on")
    )
    planned = []  # (pairing_id, resident_id, mentor_id, submitted_at, low)
    for pk, resident_id, mentor_id, started_on, ended_on in pairings:
        if rng.random() < 0.5:
            continue
        last = ended_on or ctx.today
        span = min((last - started_on).days, 365)
        if span < 7:
            continue
        for _ in range(rng.randint(1, 3)):
            days_ago = (ctx.today - last).days + rng.randint(0, span - 1)
            at = ctx.now - dt.timedelta(days=days_ago, hours=rng.randint(1, 8))
            planned.append((pk, resident_id, mentor_id, at, rng.random() < 0.05))
    requests = FeedbackRequest.objects.bulk_create(
        [
            FeedbackRequest(
                pairing_id=pk,
                resident_id=resident_id,
                trigger=FeedbackRequest.Trigger.MANUAL,
                created_at=at - dt.timedelta(days=2),
                used_at=at,
            )
            for pk, resident_id, _, at, _ in planned
        ],
        batch_size=2000,
    )
    rows = []
    for request, (pk, resident_id, mentor_id, at, low) in zip(requests, planned, strict=True):
        scores = [1, 2, 2] if low else [3, 4, 4, 5, 5]
        rows.append(
            FeedbackResponse(
                request_id=request.pk,
                pairing_id=pk,
                resident_id=resident_id,
                mentor_id=mentor_id,
                shows_up=rng.choice(scores),
                listens=rng.choice(scores),
                helps_goals=rng.choice(scores),
                wants_new_mentor=low and rng.random() < 0.5,
                comment=rng.choice(COMMENTS),
                submitted_at=at,
            )
        )
    FeedbackResponse.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _large_assessments(ctx: DemoContext, houses) -> int:
    rng, barc = ctx.rng, instruments.CURRENT
    rows = []
    for resident_id, move_in in (
        Resident.objects.filter(house__in=houses, status=Resident.Status.ACTIVE)
        .order_by("pk")
        .values_list("pk", "move_in_date")
    ):
        if rng.random() < 0.2:
            continue  # due for their first check
        days_in = min((ctx.today - move_in).days, 365)
        if days_in < 1:
            continue
        level = rng.randint(2, 4)
        for days_ago in sorted(
            {rng.randint(1, days_in) for _ in range(rng.randint(1, 3))}, reverse=True
        ):
            answers = [min(6, max(1, level + rng.choice([-1, 0, 0, 1]))) for _ in range(10)]
            rows.append(
                RecoveryAssessment(
                    resident_id=resident_id,
                    instrument=barc.slug,
                    answers=answers,
                    total=barc.score(answers),
                    source=RecoveryAssessment.Source.MANAGER,
                    taken_at=ctx.now - dt.timedelta(days=days_ago, hours=rng.randint(1, 8)),
                )
            )
            level = min(6, level + 1)
    RecoveryAssessment.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _large_goal_steps(ctx: DemoContext, houses) -> int:
    rng = ctx.rng
    steps = []
    goals = RecoveryGoal.objects.filter(
        resident__house__in=houses, status=RecoveryGoal.Status.OPEN, progress__isnull=True
    )
    for goal_id, move_in in goals.order_by("pk").values_list("pk", "resident__move_in_date"):
        start = timezone.make_aware(dt.datetime.combine(move_in, dt.time(10))) + dt.timedelta(
            days=2
        )
        start = min(start, ctx.now - dt.timedelta(hours=2))
        steps.append(
            GoalProgress(goal_id=goal_id, status=GoalProgress.Status.NOT_STARTED, at=start)
        )
        if rng.random() < 0.6:
            steps.append(
                GoalProgress(
                    goal_id=goal_id,
                    status=GoalProgress.Status.IN_PROGRESS,
                    note=rng.choice(PROGRESS_NOTES),
                    at=start + (ctx.now - start) / 2,
                )
            )
    GoalProgress.objects.bulk_create(steps, batch_size=5000)
    return len(steps)
