"""Writes for feedback: requests made once per trigger, links issued, answers submitted once.

A link's token is `secrets.token_urlsafe(32)` (256 bits). Only its sha256 is stored, so a
database dump or an admin page cannot answer for anyone; the token itself is shown once, on
the slip a manager prints (or in the message sent). Printing again issues a new token and the
old link stops working.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activity_log.feedback import instruments
from activity_log.feedback.models import (
    AssessmentLink,
    FeedbackRequest,
    FeedbackResponse,
    RecoveryAssessment,
)
from activity_log.models import ContactLog
from matching.models import Pairing
from mentoring_site.models import User

FOURTH_CONTACT = 4
PERIOD_DAYS = 90
MAX_COMMENT = 1000


class LinkGone(Exception):
    """The token is unknown, forged, used or expired (the page says so kindly)."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feedback_request_create(
    *,
    pairing: Pairing,
    trigger: str,
    period: int = 0,
    created_by: User | None = None,
) -> FeedbackRequest | None:
    """Asks the resident of `pairing` for feedback. Automatic triggers happen once per pairing
    (and period): the database constraint decides when two callers race, and the loser gets
    None."""
    request = FeedbackRequest(
        pairing=pairing,
        resident_id=pairing.resident_id,
        trigger=trigger,
        period=period,
        created_by=created_by,
    )
    request.full_clean(exclude=["pairing", "resident", "created_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        if trigger == FeedbackRequest.Trigger.MANUAL:
            raise
        return None
    return request


def _successful_contacts(pairing_id: int) -> int:
    return (
        ContactLog.objects.filter(pairing_id=pairing_id)
        .exclude(method=ContactLog.Method.NO_ANSWER)
        .count()
    )


def feedback_after_contact(*, pairing_id: int) -> FeedbackRequest | None:
    """Called after a contact commits: from the fourth real contact on, ask once."""
    if _successful_contacts(pairing_id) < FOURTH_CONTACT:
        return None
    pairing = Pairing.objects.filter(pk=pairing_id, status=Pairing.Status.ACTIVE).first()
    if pairing is None:
        return None
    return feedback_request_create(pairing=pairing, trigger=FeedbackRequest.Trigger.FOURTH_CONTACT)


def feedback_after_contact_commits(*, pairing_id: int) -> None:
    """The contact service calls this inside its transaction, with the pairing row locked (so
    the count is exact): from the fourth real contact on, the request is made once the contact
    is committed; a failure then is logged, never undoing or failing the contact."""
    if _successful_contacts(pairing_id) >= FOURTH_CONTACT:
        transaction.on_commit(lambda: feedback_after_contact(pairing_id=pairing_id), robust=True)


def feedback_after_pairing_ended(*, pairing: Pairing) -> FeedbackRequest | None:
    """A pairing ended: ask once, if the two ever met (nothing to rate otherwise)."""
    if _successful_contacts(pairing.pk) == 0:
        return None
    return feedback_request_create(pairing=pairing, trigger=FeedbackRequest.Trigger.PAIRING_ENDED)


def feedback_requests_scan(*, today: dt.date | None = None) -> int:
    """Every 90 days of an active pairing, one request for that period (the beat task runs it
    daily; a second run, or two at once, adds nothing). Returns how many were created."""
    today = today or timezone.localdate()
    latest_start = today - dt.timedelta(days=PERIOD_DAYS)
    due = {
        (pk, (today - started_on).days // PERIOD_DAYS): resident_id
        for pk, started_on, resident_id in Pairing.objects.active()
        .filter(started_on__lte=latest_start)
        .values_list("pk", "started_on", "resident_id")
    }
    existing = set(
        FeedbackRequest.objects.filter(
            trigger=FeedbackRequest.Trigger.EVERY_90_DAYS,
            pairing_id__in=[pk for pk, _ in due],
        ).values_list("pairing_id", "period")
    )
    new = [
        FeedbackRequest(
            pairing_id=pk,
            resident_id=resident_id,
            trigger=FeedbackRequest.Trigger.EVERY_90_DAYS,
            period=period,
        )
        for (pk, period), resident_id in due.items()
        if (pk, period) not in existing
    ]
    # A concurrent scan may have inserted some of these a moment ago: the constraint skips them.
    FeedbackRequest.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def feedback_link_issue(*, request: FeedbackRequest) -> str:
    """Gives the request a fresh token (any earlier link stops working) and returns it: the
    only time it exists outside the resident's hands."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    changed = FeedbackRequest.objects.filter(pk=request.pk, used_at__isnull=True).update(
        token_hash=token_hash(token),
        issued_at=now,
        expires_at=now + dt.timedelta(days=settings.FEEDBACK_LINK_DAYS),
    )
    if changed != 1:
        raise ValidationError(_("This feedback has already been given."), code="used")
    request.refresh_from_db()
    return token


def feedback_request_manual(
    *, pairing: Pairing, by: User, issue_link: bool = True
) -> tuple[FeedbackRequest, str | None]:
    """A manager asks now, from the resident's page: a new request and its link (none when the
    link is to be texted: activity_log/feedback/texts.py makes it as the text goes)."""
    if pairing.status == Pairing.Status.ENDED and _successful_contacts(pairing.pk) == 0:
        raise ValidationError(_("This pairing ended before any contact: there is nothing to rate."))
    request = feedback_request_create(
        pairing=pairing, trigger=FeedbackRequest.Trigger.MANUAL, created_by=by
    )
    return request, (feedback_link_issue(request=request) if issue_link else None)


def _spend_link(links, token: str, now):
    """Marks the one-time link `token` used (compare-and-set: of two submits at once, one wins)
    and returns it; LinkGone when it is unknown, used or expired. Call inside a transaction."""
    claimed = (
        links.select_related(None)
        .filter(token_hash=token_hash(token), used_at__isnull=True, expires_at__gt=now)
        .update(used_at=now)
    )
    if claimed != 1:
        raise LinkGone
    return links.get(token_hash=token_hash(token))


def feedback_submit(
    *,
    token: str,
    shows_up: int,
    listens: int,
    helps_goals: int,
    wants_new_mentor: bool,
    comment: str = "",
) -> FeedbackResponse:
    """Saves the answers and spends the link, in one transaction: the claim is a
    compare-and-set, so two submits at once save one response."""
    now = timezone.now()
    with transaction.atomic():
        request = _spend_link(FeedbackRequest.objects.select_related("pairing"), token, now)
        response = FeedbackResponse(
            request=request,
            pairing=request.pairing,
            resident_id=request.resident_id,
            mentor_id=request.pairing.mentor_id,
            shows_up=shows_up,
            listens=listens,
            helps_goals=helps_goals,
            wants_new_mentor=wants_new_mentor,
            comment=comment.strip()[:MAX_COMMENT],
            submitted_at=now,
        )
        response.full_clean(exclude=["request", "pairing", "resident", "mentor"])
        response.save()
    return response


def feedback_comments_clear(*, resident_id: int) -> int:
    """Retention: answers stay as numbers for reports, the words go."""
    return FeedbackResponse.objects.filter(resident_id=resident_id).update(comment="")


# --- Recovery capital ---------------------------------------------------------------------------


def assessment_record(
    *,
    resident,
    answers: list[int],
    source: str,
    entered_by: User | None,
    instrument: instruments.Instrument = instruments.CURRENT,
) -> RecoveryAssessment:
    """Saves one recovery check with its total (the instrument scores it)."""
    assessment = RecoveryAssessment(
        resident=resident,
        instrument=instrument.slug,
        answers=list(answers),
        total=instrument.score(list(answers)),
        source=source,
        entered_by=entered_by,
    )
    assessment.full_clean(exclude=["resident", "entered_by"])
    assessment.save()
    return assessment


def assessment_link_issue(*, resident, by: User) -> str:
    """A one-time link for the resident to take the check themselves; returns the token."""
    token = secrets.token_urlsafe(32)
    AssessmentLink.objects.create(
        resident=resident,
        token_hash=token_hash(token),
        expires_at=timezone.now() + dt.timedelta(days=settings.FEEDBACK_LINK_DAYS),
        created_by=by,
    )
    return token


def assessment_submit_by_link(*, token: str, answers: list[int]) -> RecoveryAssessment:
    """Spends the link and saves the resident's answers together (compare-and-set claim)."""
    total = instruments.CURRENT.score(list(answers))  # refuse before spending the link
    now = timezone.now()
    with transaction.atomic():
        link = _spend_link(AssessmentLink.objects.select_related("resident"), token, now)
        assessment = RecoveryAssessment.objects.create(
            resident=link.resident,
            instrument=instruments.CURRENT.slug,
            answers=list(answers),
            total=total,
            source=RecoveryAssessment.Source.RESIDENT_LINK,
            entered_by=None,
            taken_at=now,
        )
    return assessment
