"""Every write to a Pairing goes through here, and every one recomputes `next_due_at`.

Capacity is safe under concurrent requests because `pairing_create` and `pairing_resume` lock the
mentor row (`SELECT ... FOR UPDATE`) before counting the mentor's active pairings: a second
manager pairing the same mentor waits for the first transaction and then counts its pairing.
`pairing_create` first locks the resident row too, as `residents.services.resident_exit` does: a
pairing made at the moment the resident leaves either sees the exit and is refused, or commits
first, so the exit's signal (sent after the exit commits) finds the pairing and ends it.
"One open pairing per resident" is the database constraint `one_open_pairing_per_resident`; when two
requests race past the friendly pre-check, the loser's IntegrityError becomes a ValidationError.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from matching import signals
from matching.models import Pairing
from mentoring_site.models import User
from mentors.models import Mentor, format_day
from residents.models import Resident

logger = logging.getLogger(__name__)

ALREADY_PAIRED = _("This resident already has a mentor.")
MIN_INTERVAL_DAYS = 1
MAX_INTERVAL_DAYS = 30


def _today() -> dt.date:
    return timezone.localdate()


def is_same_person(*, mentor: Mentor, resident: Resident) -> bool:
    """Whether the mentor looks like the resident themself.

    There is no link between a resident record and a user account, so this can only be a
    heuristic: the mentor's user has the resident's legal first and last name AND the mentor's
    phone is the resident's phone (digits only). A shared name alone is common; a missing phone on
    either side means we cannot tell, and the pairing is allowed. Managers remain the real check.
    """
    user = mentor.user
    if not resident.phone or not mentor.phone:
        return False
    same_name = (
        user.first_name.strip().casefold() == resident.first_name.strip().casefold()
        and user.last_name.strip().casefold() == resident.last_name.strip().casefold()
    )
    return same_name and _digits(mentor.phone) == _digits(resident.phone)


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


def _lock_mentor_with_room(mentor: Mentor, *, today: dt.date) -> Mentor:
    """Locks the mentor row, then checks clearance and capacity against committed data."""
    locked = Mentor.objects.select_for_update().select_related("user").get(pk=mentor.pk)
    name = locked.user.display_first_name
    clearance = locked.clearance(today)
    if not clearance.cleared:
        raise ValidationError(
            gettext("%(name)s is not cleared to mentor: %(reasons)s.")
            % {"name": name, "reasons": "; ".join(clearance.reasons)},
            code="not_cleared",
        )
    if locked.is_away(today):
        raise ValidationError(
            gettext("%(name)s is away until %(date)s.")
            % {"name": name, "date": format_day(locked.back_on)},
            code="mentor_away",
        )
    taken = Pairing.objects.filter(mentor=locked, status=Pairing.Status.ACTIVE).count()
    if taken >= locked.capacity:
        raise ValidationError(
            gettext("%(name)s has no free place (%(taken)d of %(capacity)d taken).")
            % {"name": name, "taken": taken, "capacity": locked.capacity},
            code="mentor_full",
        )
    return locked


def _lock_active_resident(resident: Resident) -> Resident:
    """Locks the resident row and checks, against committed data, that they still live here."""
    locked = Resident.objects.select_for_update().get(pk=resident.pk)
    _check_resident_active(locked)
    return locked


def _check_resident_active(resident: Resident) -> None:
    if resident.status != Resident.Status.ACTIVE:
        raise ValidationError(
            gettext("%(name)s is no longer living in the house (%(status)s).")
            % {"name": resident.preferred_name, "status": resident.get_status_display().lower()},
            code="resident_exited",
        )


def _save(pairing: Pairing, **kwargs) -> None:
    pairing.refresh_due()
    pairing.full_clean()
    pairing.save(**kwargs)


def pairing_create(
    *,
    resident: Resident,
    mentor: Mentor,
    created_by: User | None,
    checkin_interval_days: int | None = None,
    started_on: dt.date | None = None,
) -> Pairing:
    """Pairs an active resident with a cleared mentor who has a free place."""
    today = _today()
    started_on = started_on or today
    _check_resident_active(resident)
    if is_same_person(mentor=mentor, resident=resident):
        raise ValidationError("A mentor cannot be paired with themself.", code="same_person")
    if _has_open_pairing(resident):
        raise ValidationError(ALREADY_PAIRED, code="already_paired")
    pairing = Pairing(
        resident=resident,
        mentor=mentor,
        started_on=started_on,
        created_by=created_by,
    )
    if checkin_interval_days is not None:
        _check_interval(checkin_interval_days)
        pairing.checkin_interval_days = checkin_interval_days
    try:
        with transaction.atomic():
            # Resident first, then mentor: the order every writer that takes both uses.
            _lock_active_resident(resident)
            _lock_mentor_with_room(mentor, today=today)
            # full_clean() checks the open-pairing constraint with a friendly message; the
            # database constraint still decides when two requests race past it.
            _save(pairing)
            # The mentor's "new mentee" notice, written in this transaction (activity_log).
            signals.pairing_created.send(sender=Pairing, pairing=pairing)
    except IntegrityError as exc:
        # PostgreSQL names the constraint; SQLite names the column of the unique index.
        if any(s in str(exc) for s in ("one_open_pairing_per_resident", "pairing.resident_id")):
            raise ValidationError(ALREADY_PAIRED, code="already_paired") from exc
        raise
    return pairing


def _check_interval(days: int) -> None:
    if not MIN_INTERVAL_DAYS <= days <= MAX_INTERVAL_DAYS:
        raise ValidationError(
            gettext("The check-in interval must be between %(min)d and %(max)d days.")
            % {"min": MIN_INTERVAL_DAYS, "max": MAX_INTERVAL_DAYS},
            code="interval_range",
        )


def _has_open_pairing(resident: Resident) -> bool:
    return Pairing.objects.open().filter(resident=resident).exists()


def _lock(pairing: Pairing) -> Pairing:
    """The pairing row, locked and fresh, so two managers acting at once see each other."""
    return (
        Pairing.objects.select_for_update(of=("self",))
        .select_related("resident__house", "mentor__user")
        .get(pk=pairing.pk)
    )


def _copy_into(target: Pairing, source: Pairing) -> None:
    for field in Pairing._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def pairing_pause(
    *,
    pairing: Pairing,
    reason: str = Pairing.PauseReason.MANAGER,
    paused_on: dt.date | None = None,
) -> Pairing:
    """Pauses an active pairing: no check-ins are due while paused."""
    if reason not in (
        Pairing.PauseReason.MANAGER,
        Pairing.PauseReason.MENTOR_UNAVAILABLE,
        Pairing.PauseReason.MENTOR_AWAY,
    ):
        raise ValidationError(gettext("Choose why the pairing is paused."), code="pause_reason")
    with transaction.atomic():
        locked = _lock(pairing)
        if locked.status != Pairing.Status.ACTIVE:
            raise ValidationError(
                gettext("Only an active pairing can be paused."), code="not_active"
            )
        locked.status = Pairing.Status.PAUSED
        locked.paused_on = max(paused_on or _today(), locked.started_on)
        locked.pause_reason = reason
        _save(locked)
        signals.pairing_paused.send(sender=Pairing, pairing=locked, reason=reason)
    _copy_into(pairing, locked)
    return pairing


def pairing_resume(*, pairing: Pairing, today: dt.date | None = None) -> Pairing:
    """Resumes a paused pairing, if the mentor is still cleared and has a free place."""
    with transaction.atomic():
        locked = _lock(pairing)
        if locked.status != Pairing.Status.PAUSED:
            raise ValidationError(
                gettext("Only a paused pairing can be resumed."), code="not_paused"
            )
        _lock_mentor_with_room(locked.mentor, today=today or _today())
        locked.status = Pairing.Status.ACTIVE
        locked.paused_on = None
        locked.pause_reason = Pairing.PauseReason.NONE
        _save(locked)
    _copy_into(pairing, locked)
    return pairing


def pairing_end(
    *,
    pairing: Pairing,
    reason: str,
    note: str = "",
    ended_on: dt.date | None = None,
) -> Pairing:
    """Ends an active or paused pairing with a reason; the resident may then be paired again."""
    if reason not in Pairing.EndReason.values:
        raise ValidationError(gettext("Choose why the pairing ends."), code="end_reason")
    with transaction.atomic():
        locked = _lock(pairing)
        if locked.status == Pairing.Status.ENDED:
            raise ValidationError(gettext("This pairing has already ended."), code="already_ended")
        ended_on = ended_on or _today()
        if ended_on > _today():
            raise ValidationError(
                gettext("The end date cannot be in the future."), code="future_end"
            )
        locked.status = Pairing.Status.ENDED
        # An exit recorded with a date before the pairing started still ends it on its first day.
        locked.ended_on = max(ended_on, locked.started_on)
        locked.end_reason = reason
        locked.end_note = note.strip()
        _save(locked)
        # robust: a receiver's failure is logged and never fails the end that just committed.
        transaction.on_commit(
            lambda: signals.pairing_ended.send(sender=Pairing, pairing=locked), robust=True
        )
    _copy_into(pairing, locked)
    return pairing


def pairing_change_interval(*, pairing: Pairing, checkin_interval_days: int) -> Pairing:
    """Changes how often the mentor should check in (1 to 30 days)."""
    _check_interval(checkin_interval_days)
    with transaction.atomic():
        locked = _lock(pairing)
        if locked.status == Pairing.Status.ENDED:
            raise ValidationError(gettext("This pairing has ended."), code="already_ended")
        locked.checkin_interval_days = checkin_interval_days
        _save(locked)
        signals.pairing_schedule_changed.send(sender=Pairing, pairing=locked)
    _copy_into(pairing, locked)
    return pairing


def pairing_reassign(
    *,
    pairing: Pairing,
    mentor: Mentor,
    created_by: User | None,
    end_reason: str = Pairing.EndReason.MENTOR_UNAVAILABLE,
    end_note: str = "",
    checkin_interval_days: int | None = None,
) -> Pairing:
    """Ends the pairing and pairs the resident with another mentor, all or nothing."""
    if mentor.pk == pairing.mentor_id:
        raise ValidationError(gettext("Choose a different mentor."), code="same_mentor")
    with transaction.atomic():
        ended = pairing_end(pairing=pairing, reason=end_reason, note=end_note)
        return pairing_create(
            resident=ended.resident,
            mentor=mentor,
            created_by=created_by,
            checkin_interval_days=checkin_interval_days or ended.checkin_interval_days,
        )


def pairings_end_for_resident_exit(
    *, resident: Resident, exit_date: dt.date | None
) -> list[Pairing]:
    """The resident moved out, graduated or was discharged: their open pairing ends."""
    ended_on = min(exit_date or _today(), _today())
    ended = []
    for pairing in Pairing.objects.open().filter(resident=resident):
        try:
            ended.append(
                pairing_end(
                    pairing=pairing, reason=Pairing.EndReason.RESIDENT_LEFT, ended_on=ended_on
                )
            )
        except ValidationError as exc:
            if exc.code != "already_ended":  # a manager ended it a moment ago: nothing to do
                raise
    return ended


def pairings_pause_for_unavailable_mentor(*, mentor: Mentor) -> list[Pairing]:
    """The mentor went on break or retired: their active pairings pause, and those residents go
    to the top of the waiting queue (pause reason "mentor unavailable")."""
    paused = []
    for pairing in Pairing.objects.active().filter(mentor=mentor):
        try:
            paused.append(
                pairing_pause(pairing=pairing, reason=Pairing.PauseReason.MENTOR_UNAVAILABLE)
            )
        except ValidationError as exc:
            if exc.code != "not_active":  # paused or ended a moment ago: nothing to do
                raise
    return paused


def pairings_pause_for_away_mentor(
    *, mentor: Mentor, today: dt.date | None = None
) -> list[Pairing]:
    """The mentor's away period has begun: their active pairings pause (reason "mentor away";
    the managers of those houses are told, activity_log/handlers.py). Nothing when not away."""
    today = today or _today()
    if not Mentor.objects.away(today).filter(pk=mentor.pk).exists():
        return []
    paused = []
    for pairing in Pairing.objects.active().filter(mentor=mentor):
        try:
            paused.append(pairing_pause(pairing=pairing, reason=Pairing.PauseReason.MENTOR_AWAY))
        except ValidationError as exc:
            if exc.code != "not_active":  # paused or ended a moment ago: nothing to do
                raise
    return paused


def pairings_resume_after_away(*, mentor: Mentor, today: dt.date | None = None) -> list[Pairing]:
    """The mentor is back (the return date came, or they cleared the dates): the pairings
    paused for "mentor away", and only those, resume. A pairing that cannot resume (the
    mentor's training lapsed meanwhile, say) stays paused for a manager, logged by id."""
    today = today or _today()
    if Mentor.objects.away(today).filter(pk=mentor.pk).exists():
        return []
    resumed = []
    for pairing in Pairing.objects.filter(
        mentor=mentor,
        status=Pairing.Status.PAUSED,
        pause_reason=Pairing.PauseReason.MENTOR_AWAY,
    ):
        try:
            resumed.append(pairing_resume(pairing=pairing, today=today))
        except ValidationError as exc:
            if exc.code == "not_paused":  # resumed or ended a moment ago
                continue
            logger.warning(
                "pairing %s stays paused after the away period: %s", pairing.pk, exc.code
            )
    return resumed


def pairings_sync_away(*, today: dt.date | None = None) -> tuple[int, int]:
    """The daily task: pauses the pairings of mentors whose away period has begun and resumes
    those of mentors who are back. Running it twice changes nothing the second time (the
    first pauses every active pairing of away mentors; resumed pairings are no longer paused
    for "mentor away"). Returns (paused, resumed)."""
    today = today or _today()
    away = Mentor.objects.away(today)
    starting = Mentor.objects.filter(
        pk__in=Pairing.objects.active().filter(mentor__in=away).values("mentor_id")
    )
    returning = Mentor.objects.exclude(pk__in=away.values("pk")).filter(
        pk__in=Pairing.objects.filter(
            status=Pairing.Status.PAUSED, pause_reason=Pairing.PauseReason.MENTOR_AWAY
        ).values("mentor_id")
    )
    paused = sum(len(pairings_pause_for_away_mentor(mentor=m, today=today)) for m in starting)
    resumed = sum(len(pairings_resume_after_away(mentor=m, today=today)) for m in returning)
    return paused, resumed


def pairings_follow_away(*, mentor: Mentor) -> None:
    """The mentor changed their away dates: pause now if the period has begun, resume if over."""
    pairings_pause_for_away_mentor(mentor=mentor)
    pairings_resume_after_away(mentor=mentor)
