"""Writes to residents, goals and consent. Views and the admin call these; nothing else saves them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from residents.models import (
    ConsentRecord,
    GoalProgress,
    House,
    Language,
    RecoveryGoal,
    RecoveryPathway,
    Resident,
)
from residents.signals import resident_exited, resident_moved

PROFILE_FIELDS = (
    "preferred_name",
    "first_name",
    "last_name",
    "house",
    "move_in_date",
    "recovery_start_date",
    "birth_year",
    "phone",
    "preferred_mentor_gender",
    "preferred_language",
)


def resident_create(
    *,
    user,
    house: House,
    preferred_name: str,
    first_name: str,
    last_name: str,
    move_in_date: dt.date,
    recovery_start_date: dt.date | None = None,
    birth_year: int | None = None,
    phone: str = "",
    preferred_mentor_gender: str = "",
    preferred_language: str = "",
    languages: Iterable[Language] = (),
    pathways: Iterable[RecoveryPathway] = (),
    intake_key: uuid.UUID | None = None,
) -> tuple[Resident, bool]:
    """Admit a resident. Returns (resident, created).

    With an `intake_key` the call is idempotent: a resent intake form returns the resident the
    first submission created instead of adding a second one. Keys belong to the user who
    admitted: another user's replayed key finds nothing and never returns their resident.
    """
    if intake_key is not None:
        existing = Resident.objects.filter(created_by=user, intake_key=intake_key).first()
        if existing is not None:
            return existing, False
    resident = Resident(
        house=house,
        preferred_name=preferred_name or first_name,
        first_name=first_name,
        last_name=last_name,
        move_in_date=move_in_date,
        recovery_start_date=recovery_start_date,
        birth_year=birth_year,
        phone=phone,
        preferred_mentor_gender=preferred_mentor_gender,
        preferred_language=preferred_language,
        status=Resident.Status.ACTIVE,
        created_by=user,
        intake_key=intake_key,
    )
    resident.full_clean(exclude=["intake_key"])
    try:
        with transaction.atomic():
            resident.save()
            resident.languages.set(languages)
            resident.pathways.set(pathways)
    except IntegrityError:
        # Two submissions of the same form raced; the other one won.
        if intake_key is None:
            raise
        return Resident.objects.get(created_by=user, intake_key=intake_key), False
    return resident, True


def resident_update(
    *,
    resident: Resident,
    languages: Iterable[Language] | None = None,
    pathways: Iterable[RecoveryPathway] | None = None,
    **fields,
) -> Resident:
    """Change profile fields (not status: leaving goes through `resident_exit`)."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"resident_update cannot change {sorted(unknown)}")
    old_house_id = resident.house_id
    for name, value in fields.items():
        setattr(resident, name, value)
    if "preferred_name" in fields and not resident.preferred_name:
        resident.preferred_name = resident.first_name
    resident.full_clean(exclude=["intake_key"])
    with transaction.atomic():
        resident.save()
        if languages is not None:
            resident.languages.set(languages)
        if pathways is not None:
            resident.pathways.set(pathways)
        if resident.house_id != old_house_id:
            resident_moved.send(sender=Resident, resident=resident, old_house_id=old_house_id)
    return resident


EXIT_STATUSES = (
    Resident.Status.GRADUATED,
    Resident.Status.MOVED_OUT,
    Resident.Status.DISCHARGED,
)


def resident_exit(
    *, resident: Resident, status: str, exit_date: dt.date, reason: str, user=None
) -> Resident:
    """Record that a resident graduated, moved out or was discharged.

    Sends `residents.signals.resident_exited` once, after the transaction commits, so the
    matching app ends the resident's pairing only when the exit is really saved.
    """
    if status not in EXIT_STATUSES:
        raise ValidationError({"status": _("Choose graduated, moved out or discharged.")})
    with transaction.atomic():
        # Lock the row: two managers exiting at once must not send the signal twice.
        locked = Resident.objects.select_for_update().get(pk=resident.pk)
        if locked.status != Resident.Status.ACTIVE:
            raise ValidationError(_("This resident has already left the house."))
        locked.status = status
        locked.exit_date = exit_date
        locked.exit_reason = reason.strip()
        locked.full_clean(exclude=["intake_key"])
        locked.save(update_fields=["status", "exit_date", "exit_reason", "updated_at"])
        transaction.on_commit(
            lambda: resident_exited.send(
                sender=Resident, resident=locked, exit_date=exit_date, status=status
            )
        )
    resident.status, resident.exit_date, resident.exit_reason = (
        locked.status,
        locked.exit_date,
        locked.exit_reason,
    )
    return locked


def consent_record(
    *,
    resident: Resident,
    user,
    granted_on: dt.date,
    expires_on: dt.date | None,
    shares_contact_details: bool = True,
    shares_goals: bool = True,
    note: str = "",
) -> ConsentRecord:
    """Record a new consent (also how consent is renewed: the newest record is the current one)."""
    consent = ConsentRecord(
        resident=resident,
        granted_on=granted_on,
        expires_on=expires_on,
        shares_contact_details=shares_contact_details,
        shares_goals=shares_goals,
        note=note.strip(),
        recorded_by=user,
    )
    consent.full_clean()
    with transaction.atomic():
        consent.save()
    return consent


def consent_revoke(
    *, consent: ConsentRecord, user, revoked_on: dt.date | None = None
) -> ConsentRecord:
    """The resident withdrew consent: from `revoked_on` (today by default) mentors see less."""
    if consent.revoked_on is not None:
        raise ValidationError(_("This consent was already revoked."))
    revoked_on = revoked_on or timezone.localdate()
    # A consent recorded ahead of time and withdrawn before it starts never became active.
    consent.revoked_on = max(revoked_on, consent.granted_on)
    consent.full_clean()
    with transaction.atomic():
        consent.save(update_fields=["revoked_on"])
    return consent


def goal_create(
    *,
    resident: Resident,
    category: str,
    text: str,
    target_date: dt.date | None = None,
    by=None,
) -> RecoveryGoal:
    goal = RecoveryGoal(
        resident=resident, category=category, text=text.strip(), target_date=target_date
    )
    goal.full_clean()
    with transaction.atomic():
        goal.save()
        GoalProgress.objects.create(goal=goal, status=GoalProgress.Status.NOT_STARTED, by=by)
    return goal


def goal_update(
    *, goal: RecoveryGoal, category: str, text: str, target_date: dt.date | None
) -> RecoveryGoal:
    goal.category, goal.text, goal.target_date = category, text.strip(), target_date
    goal.full_clean()
    with transaction.atomic():
        goal.save(update_fields=["category", "text", "target_date", "updated_at"])
    return goal


# How a closing goal status reads in its history.
_PROGRESS_FOR_CLOSE = {
    RecoveryGoal.Status.ACHIEVED: GoalProgress.Status.ACHIEVED,
    RecoveryGoal.Status.DROPPED: GoalProgress.Status.SET_ASIDE,
}


def goal_close(
    *, goal: RecoveryGoal, status: str, on: dt.date | None = None, by=None, note: str = ""
) -> RecoveryGoal:
    """Mark an open goal achieved or dropped (its history gets "achieved" / "set aside")."""
    if status not in (RecoveryGoal.Status.ACHIEVED, RecoveryGoal.Status.DROPPED):
        raise ValidationError({"status": _("A goal closes as achieved or dropped.")})
    with transaction.atomic():
        # Compare-and-set: a double click closes the goal once and keeps the first outcome.
        changed = RecoveryGoal.objects.filter(pk=goal.pk, status=RecoveryGoal.Status.OPEN).update(
            status=status, closed_on=on or timezone.localdate(), updated_at=timezone.now()
        )
        if changed:
            GoalProgress.objects.create(
                goal=goal, status=_PROGRESS_FOR_CLOSE[status], note=note.strip(), by=by
            )
    if not changed:
        raise ValidationError(_("This goal is already closed."))
    goal.refresh_from_db()
    return goal


def goal_progress_record(
    *, goal: RecoveryGoal, status: str, note: str = "", by=None
) -> GoalProgress:
    """A status change or a progress note on an open goal. Achieved and set aside close it."""
    note = note.strip()
    if not goal.is_open:
        raise ValidationError(_("This goal is closed; its history is kept as it is."))
    if status in (GoalProgress.Status.ACHIEVED, GoalProgress.Status.SET_ASIDE):
        closing = {v: k for k, v in _PROGRESS_FOR_CLOSE.items()}[status]
        goal_close(goal=goal, status=closing, by=by, note=note)
        return goal.progress.order_by("-at", "-id").first()
    step = GoalProgress(goal=goal, status=status, note=note, by=by)
    step.full_clean(exclude=["goal", "by"])
    latest = goal.progress.order_by("-at", "-id").first()
    if not note and latest is not None and latest.status == status:
        raise ValidationError({"note": _("Nothing changed: add a note or choose a new status.")})
    step.save()
    return step
