"""Writes for contacts. Every path keeps the pairing's last contact and next due time in step,
inside the same transaction, with the pairing row locked."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_lazy, pgettext

from activity_log.contacts import alerts, hours
from activity_log.contacts.selectors import contact_is_editable_by
from activity_log.feedback import services as feedback
from activity_log.models import ContactAddendum, ContactLog, Topic
from activity_log.reports import rollup
from matching.models import Pairing
from mentoring_site.models import User
from residents.models import GoalProgress, RecoveryGoal
from residents.services import goal_progress_record

FUTURE_TOLERANCE = dt.timedelta(minutes=10)
MAX_DURATION_MINUTES = 600
MAX_NOTES = 5000


def pairing_recompute_due(*, pairing: Pairing) -> Pairing:
    """last_contact_at = newest contact that is not a missed attempt; next_due_at, overdue_at
    and every contact's on_time by the check-in rule (matching/checkins.py); the roll-up.

    Call inside a transaction with the pairing row locked (select_for_update)."""
    pairing.last_contact_at = (
        ContactLog.objects.filter(pairing=pairing)
        .exclude(method=ContactLog.Method.NO_ANSWER)
        .aggregate(last=Max("happened_at"))["last"]
    )
    pairing.refresh_due()
    pairing.save(update_fields=["last_contact_at", "next_due_at", "overdue_at"])
    contacts_judge(pairing=pairing)
    rollup.pairing_rollup_refresh(pairing_id=pairing.pk)
    return pairing


def pairings_recompute_due(pairing_ids: Iterable[int]) -> None:
    """`pairing_recompute_due` for each of these pairings, locked in id order (after writes
    that bypass the contact services: the admin's contact form, a resident's move)."""
    with transaction.atomic():
        for pairing_id in sorted(set(pairing_ids)):
            pairing_recompute_due(pairing=_lock_pairing(pairing_id))


def pairings_recompute_due_bulk(pairing_ids: list[int], *, chunk: int = 500) -> None:
    """`pairing_recompute_due` without locks or the roll-up, a chunk of pairings at a time: for
    bulk loads that bypass the services (the demo seeder; rebuild the roll-up after it)."""
    for start in range(0, len(pairing_ids), chunk):
        ids = pairing_ids[start : start + chunk]
        rows = defaultdict(list)
        for pairing_id, *row in (
            ContactLog.objects.filter(pairing_id__in=ids)
            .order_by()
            .values_list("pairing_id", "id", "happened_at", "method", "on_time")
        ):
            rows[pairing_id].append(row)
        pairings = list(Pairing.objects.filter(pk__in=ids).select_related("resident__house"))
        changed = []
        for pairing in pairings:
            contacts = rows[pairing.pk]
            pairing.last_contact_at = max(
                (when for _, when, method, _ in contacts if method != ContactLog.Method.NO_ANSWER),
                default=None,
            )
            pairing.refresh_due()
            judged = pairing.judge_contacts([tuple(c[:3]) for c in contacts])
            changed += [(pk, judged[pk]) for pk, _, _, stored in contacts if stored != judged[pk]]
        with transaction.atomic():
            Pairing.objects.bulk_update(pairings, ["last_contact_at", "next_due_at", "overdue_at"])
            _store_on_time(changed)


def _store_on_time(changed: list[tuple[int, bool | None]], *, batch: int = 5000) -> None:
    """Each contact's new on_time: one UPDATE per value and batch of ids (bulk_update's CASE
    per row took minutes for the demo's million contacts)."""
    by_value = defaultdict(list)
    for pk, on_time in changed:
        by_value[on_time].append(pk)
    for on_time, pks in by_value.items():
        for start in range(0, len(pks), batch):
            ContactLog.objects.filter(pk__in=pks[start : start + batch]).update(on_time=on_time)


def contacts_judge(*, pairing: Pairing) -> int:
    """Stores each contact's on_time by the rule, writing only the ones that changed (a contact
    added, edited or removed out of order changes the due in force of the later ones)."""
    rows = list(
        ContactLog.objects.filter(pairing=pairing)
        .order_by()
        .values_list("id", "happened_at", "method", "on_time")
    )
    judged = pairing.judge_contacts([row[:3] for row in rows])
    changed = [(pk, judged[pk]) for pk, _, _, stored in rows if stored != judged[pk]]
    _store_on_time(changed)
    return len(changed)


def _lock_pairing(pairing_id: int) -> Pairing:
    return (
        Pairing.objects.select_for_update(of=("self",))
        .select_related("resident__house", "mentor")
        .get(pk=pairing_id)
    )


def _validate(contact: ContactLog, pairing: Pairing, goals: Iterable[RecoveryGoal]) -> None:
    """Rules a form cannot know: the pairing's dates and state, the resident's goals."""
    errors: dict[str, list[str]] = {}
    if pairing.status == Pairing.Status.ENDED:
        raise ValidationError(
            gettext("This pairing has ended, so contacts can no longer be logged for it."),
            code="ended",
        )
    now = timezone.now()
    if contact.happened_at is not None:
        if contact.happened_at > now + FUTURE_TOLERANCE:
            errors.setdefault("happened_at", []).append(
                gettext("That time is in the future. Enter when the contact happened.")
            )
        elif contact.happened_at < pairing.started_at():
            errors.setdefault("happened_at", []).append(
                gettext("That is before this pairing started (%(date)s).")
                % {
                    "date": formats.date_format(
                        pairing.started_on, pgettext("date format", "j F Y")
                    )
                }
            )
    if not 1 <= (contact.duration_minutes or 0) <= MAX_DURATION_MINUTES:
        errors.setdefault("duration_minutes", []).append(
            gettext("Enter a duration between 1 and 600 minutes.")
        )
    if len(contact.notes) > MAX_NOTES:
        errors.setdefault("notes", []).append(
            gettext("Keep notes under 5,000 characters (%(count)s now).")
            % {"count": formats.number_format(len(contact.notes), force_grouping=True)}
        )
    if contact.wellbeing is not None and not 1 <= contact.wellbeing <= 5:
        errors.setdefault("wellbeing", []).append(gettext("Choose a wellbeing from 1 to 5."))
    if any(goal.resident_id != pairing.resident_id for goal in goals):
        errors.setdefault("goals_discussed", []).append(
            gettext("Choose only this resident's goals.")
        )
    if errors:
        raise ValidationError(errors)
    contact.full_clean(exclude=["pairing", "created_by", "idempotency_key"])


def contact_log(
    *,
    pairing: Pairing,
    author: User,
    happened_at: dt.datetime,
    method: str = ContactLog.Method.IN_PERSON,
    duration_minutes: int = 30,
    topics: Iterable[Topic] = (),
    goals_discussed: Iterable[RecoveryGoal] = (),
    wellbeing: int | None = None,
    notes: str = "",
    follow_up: str = "",
    follow_up_on: dt.date | None = None,
    concern_level: str = ContactLog.Concern.NONE,
    concern_note: str = "",
    idempotency_key: uuid.UUID | None = None,
    goal_progress: dict[RecoveryGoal, str] | None = None,
) -> ContactLog:
    """Logs a contact. The same idempotency key twice (a double tap, a resent POST) saves one.

    `goal_progress` (goal -> a GoalProgress status, the log form's "progress on this goal"
    chips) is recorded in the contact's transaction through the goals' own service
    (`residents.services.goal_progress_record`, by the author); a goal with progress counts
    as discussed. A status the goal already has records nothing new.

    Keys belong to the author: a key another user replays finds nothing of theirs and saves a
    new contact, so it can never return (or redirect to, or audit) someone else's record.
    """
    if idempotency_key is not None:
        existing = ContactLog.objects.filter(
            created_by=author, idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            return existing
    topics, goals_discussed = list(topics), list(goals_discussed)
    goal_progress = goal_progress or {}
    goals_discussed += [goal for goal in goal_progress if goal not in goals_discussed]
    contact = ContactLog(
        pairing=pairing,
        created_by=author,
        happened_at=happened_at,
        method=method,
        duration_minutes=duration_minutes,
        wellbeing=wellbeing,
        notes=notes,
        follow_up=follow_up,
        follow_up_on=follow_up_on,
        concern_level=concern_level,
        concern_note=concern_note,
        idempotency_key=idempotency_key,
    )
    _validate(contact, pairing, goals_discussed)
    with transaction.atomic():
        locked = _lock_pairing(pairing.pk)
        _validate(contact, locked, goals_discussed)
        try:
            with transaction.atomic():
                contact.save()
        except IntegrityError:
            # Two requests with one key raced past the first check; the other one saved it.
            if idempotency_key is None:
                raise
            return ContactLog.objects.get(created_by=author, idempotency_key=idempotency_key)
        contact.topics.set(topics)
        contact.goals_discussed.set(goals_discussed)
        _record_goal_progress(goal_progress, author)
        pairing_recompute_due(pairing=locked)
        hours.milestones_record(locked.mentor)
        if contact.concern_level == ContactLog.Concern.URGENT:
            alerts.urgent_concern_raised(contact)
        feedback.feedback_after_contact_commits(pairing_id=locked.pk)
    pairing.last_contact_at, pairing.next_due_at = locked.last_contact_at, locked.next_due_at
    pairing.overdue_at = locked.overdue_at
    return contact


def _record_goal_progress(goal_progress: dict[RecoveryGoal, str], author: User) -> None:
    for goal, status in goal_progress.items():
        if status not in GoalProgress.Status.values or status == GoalProgress.Status.NOT_STARTED:
            raise ValidationError(
                {"goals_discussed": [gettext("Choose the progress from the chips.")]}
            )
        latest = goal.progress.order_by("-at", "-id").values_list("status", flat=True).first()
        if latest == status:
            continue
        try:
            goal_progress_record(goal=goal, status=status, by=author)
        except ValidationError as exc:
            # The goal closed a moment ago (a manager on the resident page): say so by the goals.
            raise ValidationError({"goals_discussed": exc.messages}) from exc


def _ensure_editable(contact: ContactLog, user: User) -> None:
    if not contact_is_editable_by(contact, user):
        window = int(settings.CONTACT_EDIT_WINDOW.total_seconds() // 3600)
        raise ValidationError(
            gettext(
                "This contact is locked: contacts can be changed by their author for %(hours)d "
                "hours. Add an addendum instead."
            )
            % {"hours": window},
            code="locked",
        )


def _open_urgent(contact: ContactLog) -> bool:
    return contact.concern_level == ContactLog.Concern.URGENT and contact.acknowledged_at is None


URGENT_STAYS = gettext_lazy(
    "This contact raised an urgent concern that no manager has acknowledged yet, so it stays "
    "as urgent until one does. Ask your house manager, or add an addendum to correct it."
)


def contact_update(
    *,
    contact: ContactLog,
    editor: User,
    happened_at: dt.datetime,
    method: str,
    duration_minutes: int,
    topics: Iterable[Topic] = (),
    goals_discussed: Iterable[RecoveryGoal] = (),
    wellbeing: int | None = None,
    notes: str = "",
    follow_up: str = "",
    follow_up_on: dt.date | None = None,
    concern_level: str = ContactLog.Concern.NONE,
    concern_note: str = "",
) -> ContactLog:
    """The author corrects a contact within the edit window."""
    _ensure_editable(contact, editor)
    topics, goals_discussed = list(topics), list(goals_discussed)
    was_urgent = contact.concern_level == ContactLog.Concern.URGENT
    if _open_urgent(contact) and concern_level != ContactLog.Concern.URGENT:
        # An alert has gone to the managers; the dashboard row must stay until one of them
        # has seen it, whatever the author thinks better of afterwards.
        raise ValidationError({"concern_level": [URGENT_STAYS]}, code="urgent_open")
    contact.happened_at = happened_at
    contact.method = method
    contact.duration_minutes = duration_minutes
    contact.wellbeing = wellbeing
    contact.notes = notes
    if follow_up_on != contact.follow_up_on or follow_up != contact.follow_up:
        contact.follow_up_done_at = None  # a new follow-up is not done yet
    contact.follow_up = follow_up
    contact.follow_up_on = follow_up_on
    contact.concern_level = concern_level
    contact.concern_note = concern_note
    raised_again = concern_level == ContactLog.Concern.URGENT and not was_urgent
    if raised_again:
        # A concern acknowledged, lowered and raised again is a new concern: it goes back on the
        # dashboard until a manager acknowledges this one (the earlier one is in the audit trail).
        contact.acknowledged_at = None
        contact.acknowledged_by = None
        contact.acknowledgement_note = ""
    _validate(contact, contact.pairing, goals_discussed)
    with transaction.atomic():
        locked = _lock_pairing(contact.pairing_id)
        _validate(contact, locked, goals_discussed)
        contact.save()
        contact.topics.set(topics)
        contact.goals_discussed.set(goals_discussed)
        pairing_recompute_due(pairing=locked)
        hours.milestones_record(locked.mentor)
        if raised_again:
            alerts.urgent_concern_raised(contact, raised_at=timezone.now())
    return contact


def contact_remove(*, contact: ContactLog, user: User) -> None:
    """The author removes a contact logged by mistake, within the edit window."""
    _ensure_editable(contact, user)
    if _open_urgent(contact):
        raise ValidationError(URGENT_STAYS, code="urgent_open")
    with transaction.atomic():
        locked = _lock_pairing(contact.pairing_id)
        contact.delete()
        pairing_recompute_due(pairing=locked)


def contact_add_addendum(*, contact: ContactLog, author: User, text: str) -> ContactAddendum:
    """Appends a correction; the contact itself stays as it was logged."""
    addendum = ContactAddendum(contact=contact, text=text.strip(), created_by=author)
    addendum.full_clean(exclude=["contact", "created_by"])
    with transaction.atomic():
        locked = _lock_pairing(contact.pairing_id)
        addendum.save()
        pairing_recompute_due(pairing=locked)
    return addendum


def contact_follow_up_done(*, contact: ContactLog, now: dt.datetime | None = None) -> bool:
    """Ticks a follow-up done (My mentees, one tap). Idempotent: a second tap, or a resent
    POST, changes nothing and returns False. Any reminder still waiting for it is dropped by
    the sender."""
    now = now or timezone.now()
    return bool(
        ContactLog.objects.filter(pk=contact.pk, follow_up_done_at__isnull=True).update(
            follow_up_done_at=now
        )
    )
