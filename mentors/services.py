"""Writes for mentors and their training. Views and the admin call these; nothing else writes.

Each function takes keyword-only arguments, validates (`full_clean`) and writes in one transaction.
Errors come back as `ValidationError` keyed by form field, so a form can show them beside the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from mentoring_site.accounts import account_send_set_password_email
from mentoring_site.models import User
from mentoring_site.roles import MENTOR_GROUP
from mentors.models import (
    UNAVAILABLE_STATUSES,
    Mentor,
    MentorProfileChange,
    MentorStatusChange,
    TrainingCourse,
    TrainingRecord,
    format_day,
)
from mentors.signals import mentor_away_changed, mentor_unavailable, training_recorded
from residents.models import House, Language, RecoveryPathway

EMAIL_TAKEN = _("An account with this email address already exists. Look the person up instead.")
AWAY_MAX_DAYS = 60
AWAY_STAFF = gettext_lazy("Ask your house manager for an absence longer than %(days)s days.")
STATUS_NOT_YOURS = _(
    "This mentor also serves, or mentors in, a house you do not manage, and a new status would "
    "change their pairings there too. Ask a program admin to change it."
)


def mentor_create(
    *,
    email: str,
    first_name: str,
    last_name: str,
    phone: str = "",
    recovery_since: dt.date | None = None,
    bio: str = "",
    gender: str = "",
    gender_self_description: str = "",
    languages: Iterable[Language] = (),
    pathways: Iterable[RecoveryPathway] = (),
    houses: Iterable[House] = (),
    serves_all_houses: bool = False,
    capacity: int = 3,
    preferred_language: str = "",
) -> Mentor:
    """Creates the user (Mentor group, no usable password) and the applicant's profile, then
    emails a link to set a password once the transaction commits, in `preferred_language`
    (else the site's language); the mentor changes it on My profile."""
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": EMAIL_TAKEN})
    user = User(
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        preferred_language=preferred_language,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    mentor = Mentor(
        status=Mentor.Status.APPLICANT,
        status_changed_on=timezone.localdate(),
        phone=phone.strip(),
        recovery_since=recovery_since,
        bio=bio.strip(),
        gender=gender,
        gender_self_description=gender_self_description.strip(),
        serves_all_houses=serves_all_houses,
        capacity=capacity,
    )
    mentor.full_clean(exclude=["user"])
    try:
        with transaction.atomic():
            user.save()
            user.groups.add(Group.objects.get(name=MENTOR_GROUP))
            mentor.user = user
            mentor.save()
            mentor.languages.set(languages)
            mentor.pathways.set(pathways)
            mentor.houses.set(houses)
    except IntegrityError as exc:
        # Two managers adding the same person at the same moment: the unique email decides.
        raise ValidationError({"email": EMAIL_TAKEN}) from exc
    transaction.on_commit(lambda: mentor_send_set_password_email(user=user))
    return mentor


def mentor_send_set_password_email(*, user: User) -> bool:
    """Sends the mentor's welcome email with a link to set a password. Returns False if sending
    failed (logged by user id only); a manager can resend it."""
    return account_send_set_password_email(user=user, templates="mentors/email/set_password")


def mentor_change_status(
    *,
    mentor: Mentor,
    status: str,
    reason: str,
    changed_by: User | None,
    today: dt.date | None = None,
) -> Mentor:
    """Moves a mentor to another status and records who did it and why.

    Going on break or retiring sends `mentors.signals.mentor_unavailable` once, after commit
    (matching pauses the mentor's pairings on it). Retiring also turns the account's sign-in
    off (`is_active=False`) and ends every session it has at once; any other status after
    retired turns it back on. The history row says which.
    """
    today = today or timezone.localdate()
    reason = reason.strip()
    if status not in Mentor.Status.values:
        raise ValidationError({"status": gettext("Choose a status from the list.")})
    if not reason:
        raise ValidationError({"reason": gettext("Say in a few words why the status changes.")})
    change = MentorStatusChange(
        mentor=mentor, from_status=mentor.status, to_status=status, reason=reason
    )
    change.full_clean(exclude=["mentor", "changed_by"])
    with transaction.atomic():
        # The row lock makes a double submit or two managers at once change the status once.
        locked = Mentor.objects.select_for_update().select_related("user").get(pk=mentor.pk)
        # Checked under the lock that pairing_create also takes, so no pairing can appear in
        # another manager's house between this check and the pause it may cause.
        _check_may_change_status(mentor=locked, user=changed_by)
        if locked.status == status:
            raise ValidationError(
                {
                    "status": gettext("%(name)s is already %(status)s.")
                    % {"name": locked, "status": locked.get_status_display().lower()}
                }
            )
        change.from_status = locked.status
        change.changed_by = changed_by
        change.account = _account_follow_status(user=locked.user, status=status)
        change.save()
        locked.status = status
        locked.status_changed_on = today
        locked.save(update_fields=["status", "status_changed_on"])
        if status in UNAVAILABLE_STATUSES:
            transaction.on_commit(
                lambda: mentor_unavailable.send(sender=Mentor, mentor=locked, status=status)
            )
    mentor.status, mentor.status_changed_on = locked.status, locked.status_changed_on
    return locked


def _check_may_change_status(*, mentor: Mentor, user: User | None) -> None:
    """Refuses a manager's status change that would reach a house they do not manage (no
    user: a change by the system itself)."""
    if user is None:
        return
    if not Mentor.objects.status_changeable_by(user).filter(pk=mentor.pk).exists():
        raise ValidationError(STATUS_NOT_YOURS)


def _account_follow_status(*, user: User, status: str) -> str:
    """A retired mentor cannot sign in; one who comes back can. Call inside the transaction."""
    if status == Mentor.Status.RETIRED and user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        user_sessions_end(user=user)
        return MentorStatusChange.Account.DEACTIVATED
    if status != Mentor.Status.RETIRED and not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
        return MentorStatusChange.Account.REACTIVATED
    return MentorStatusChange.Account.UNCHANGED


def user_sessions_end(*, user: User) -> int:
    """Deletes every stored session signed in as `user`; returns how many.

    Sessions are found by decoding the unexpired ones (rare: on retirement only). With a
    session engine that cannot be listed (signed cookies, cache only), `is_active=False` still
    refuses them: Django's ModelBackend returns no user for an inactive account on each request.
    """
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store_class, "get_model_class"):
        return 0
    model = store_class.get_model_class()
    decoder = store_class()
    keys = [
        row.session_key
        for row in model.objects.filter(expire_date__gt=timezone.now())
        .only("session_key", "session_data")
        .iterator(chunk_size=500)
        if decoder.decode(row.session_data).get(SESSION_KEY) == str(user.pk)
    ]
    for key in keys:
        store_class(session_key=key).delete()  # through the store, so a cache copy goes too
    return len(keys)


def _set_personal(
    mentor: Mentor,
    *,
    first_name: str,
    last_name: str,
    phone: str,
    bio: str,
    gender: str,
    gender_self_description: str,
) -> None:
    user = mentor.user
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    mentor.phone = phone.strip()
    mentor.bio = bio.strip()
    mentor.gender = gender
    mentor.gender_self_description = gender_self_description.strip()


def _save_profile(
    mentor: Mentor,
    *,
    languages: Iterable[Language],
    pathways: Iterable[RecoveryPathway],
    user_fields: tuple[str, ...] = (),
) -> None:
    mentor.user.save(update_fields=["first_name", "last_name", *user_fields])
    mentor.save()
    mentor.languages.set(languages)
    mentor.pathways.set(pathways)


def mentor_update_profile(
    *,
    mentor: Mentor,
    first_name: str,
    last_name: str,
    phone: str,
    bio: str,
    gender: str,
    gender_self_description: str,
    languages: Iterable[Language],
    pathways: Iterable[RecoveryPathway],
    preferred_language: str | None = None,
) -> Mentor:
    """A mentor updates their own profile. Nothing clearance or matching depends on (status,
    recovery-since, houses served, capacity) can change here: staff do that (`mentor_update`).
    `preferred_language` (None: unchanged) is their pages', emails' and texts' language."""
    user_fields: tuple[str, ...] = ()
    if preferred_language is not None:
        mentor.user.preferred_language = preferred_language
        user_fields = ("preferred_language",)
    _set_personal(
        mentor,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        bio=bio,
        gender=gender,
        gender_self_description=gender_self_description,
    )
    mentor.user.full_clean(exclude=["password"])
    mentor.full_clean(exclude=["user"])
    with transaction.atomic():
        _save_profile(mentor, languages=languages, pathways=pathways, user_fields=user_fields)
    return mentor


def _away_text(away_from: dt.date | None, back_on: dt.date | None) -> str:
    if away_from is None:
        return ""
    return f"{format_day(away_from)} to {format_day(back_on)}"


def mentor_set_away(
    *,
    mentor: Mentor,
    away_from: dt.date | None,
    back_on: dt.date | None,
    changed_by: User | None,
    today: dt.date | None = None,
) -> Mentor:
    """A mentor says they are away from `away_from` and back on `back_on` (both empty: not
    away). At most AWAY_MAX_DAYS, counted from the start of an absence already under way (so
    it cannot be stretched day by day); longer absences, and a break, stay with staff.

    Sends `mentors.signals.mentor_away_changed` once, after commit: matching pauses the
    mentor's active pairings at once when the period has begun (reason "mentor away") and
    resumes them when it is over (also the daily task, on the return date).
    """
    today = today or timezone.localdate()
    if (away_from is None) != (back_on is None):
        missing = "away_from" if away_from is None else "back_on"
        raise ValidationError(
            {missing: gettext("Give both dates, or neither to say you are not away.")}
        )
    with transaction.atomic():
        locked = Mentor.objects.select_for_update().get(pk=mentor.pk)
        if away_from is not None:
            started = locked.away_from if locked.is_away(today) else None
            if started is not None and away_from != started:
                # The absence under way keeps its first day.
                raise ValidationError(
                    {
                        "away_from": gettext(
                            "You have been away since %(day)s; that date stays. Change the "
                            "return date, or clear both dates."
                        )
                        % {"day": format_day(started)}
                    }
                )
            if started is None and away_from < today:
                raise ValidationError(
                    {"away_from": gettext("The first day away cannot be in the past.")}
                )
            if back_on <= away_from:
                raise ValidationError(
                    {"back_on": gettext("The return date must be after the first day.")}
                )
            if back_on > today + dt.timedelta(days=365):
                raise ValidationError({"back_on": gettext("Choose a return date within a year.")})
            if (back_on - away_from).days > AWAY_MAX_DAYS:
                raise ValidationError(
                    {
                        "back_on": gettext("You can be away for %(days)s days at most.")
                        % {"days": AWAY_MAX_DAYS}
                        + " "
                        + AWAY_STAFF % {"days": AWAY_MAX_DAYS}
                    }
                )
        before = _away_text(locked.away_from, locked.back_on)
        after = _away_text(away_from, back_on)
        if before == after:
            mentor.away_from, mentor.back_on = locked.away_from, locked.back_on
            return mentor
        locked.away_from, locked.back_on = away_from, back_on
        locked.save(update_fields=["away_from", "back_on"])
        MentorProfileChange.objects.create(
            mentor=locked,
            field=MentorProfileChange.Field.AWAY,
            old_value=before,
            new_value=after,
            changed_by=changed_by,
        )
        transaction.on_commit(lambda: mentor_away_changed.send(sender=Mentor, mentor=locked))
    mentor.away_from, mentor.back_on = away_from, back_on
    return mentor


def mentor_lower_capacity(*, mentor: Mentor, capacity: int, changed_by: User | None) -> Mentor:
    """A mentor lowers how many mentees they take at once. Raising it stays with staff, and it
    cannot go below the mentees they have now (a manager moves one first)."""
    pairing = apps.get_model("matching", "Pairing")
    with transaction.atomic():
        locked = Mentor.objects.select_for_update().get(pk=mentor.pk)
        if capacity > locked.capacity:
            raise ValidationError(
                {
                    "capacity": gettext(
                        "You can lower it, not raise it (now %(capacity)s). Ask your house "
                        "manager to raise it."
                    )
                    % {"capacity": locked.capacity}
                }
            )
        if capacity < 0:
            raise ValidationError({"capacity": gettext("Choose 0 or more.")})
        current = pairing.objects.filter(mentor=locked, status__in=pairing.OPEN_STATUSES).count()
        if capacity < current:
            raise ValidationError(
                {
                    "capacity": gettext(
                        "You have %(count)s mentees now, so it cannot go below %(count)s. Ask "
                        "your house manager to move a mentee first."
                    )
                    % {"count": current}
                }
            )
        if capacity != locked.capacity:
            MentorProfileChange.objects.create(
                mentor=locked,
                field=MentorProfileChange.Field.CAPACITY,
                old_value=str(locked.capacity),
                new_value=str(capacity),
                changed_by=changed_by,
            )
            locked.capacity = capacity
            locked.save(update_fields=["capacity"])
    mentor.capacity = locked.capacity
    return mentor


def _guarded_values(mentor: Mentor, houses: Iterable[House]) -> dict[str, str]:
    """The fields clearance and matching depend on, as the history shows them."""
    recovery = mentor.recovery_since
    return {
        MentorProfileChange.Field.RECOVERY_SINCE: format_day(recovery) if recovery else "",
        MentorProfileChange.Field.HOUSES: ", ".join(sorted(h.name for h in houses)),
        MentorProfileChange.Field.SERVES_ALL_HOUSES: "yes" if mentor.serves_all_houses else "no",
        MentorProfileChange.Field.CAPACITY: str(mentor.capacity),
    }


def mentor_update(
    *,
    mentor: Mentor,
    changed_by: User | None,
    first_name: str,
    last_name: str,
    phone: str,
    bio: str,
    gender: str,
    gender_self_description: str,
    languages: Iterable[Language],
    pathways: Iterable[RecoveryPathway],
    recovery_since: dt.date | None,
    houses: Iterable[House],
    serves_all_houses: bool,
    capacity: int,
) -> Mentor:
    """Staff update a mentor's profile, including what clearance and matching depend on; each
    of those that changes gets a history row with who and when. Status: mentor_change_status."""
    houses = list(houses)
    _set_personal(
        mentor,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        bio=bio,
        gender=gender,
        gender_self_description=gender_self_description,
    )
    mentor.recovery_since = recovery_since
    mentor.serves_all_houses = serves_all_houses
    mentor.capacity = capacity
    mentor.user.full_clean(exclude=["password"])
    mentor.full_clean(exclude=["user"])
    with transaction.atomic():
        # Locked, so two people saving at once each record the change from what was there.
        locked = Mentor.objects.select_for_update().get(pk=mentor.pk)
        before = _guarded_values(locked, locked.houses.all())
        _save_profile(mentor, languages=languages, pathways=pathways)
        mentor.houses.set(houses)
        after = _guarded_values(mentor, houses)
        MentorProfileChange.objects.bulk_create(
            MentorProfileChange(
                mentor=mentor,
                field=field,
                old_value=before[field],
                new_value=after[field],
                changed_by=changed_by,
            )
            for field in after
            if before[field] != after[field]
        )
    return mentor


def _duplicate_message(mentor: Mentor, course: TrainingCourse, on: dt.date) -> str:
    return gettext("%(name)s already has “%(course)s” recorded on %(date)s.") % {
        "name": mentor,
        "course": course,
        "date": format_day(on),
    }


def training_record_create(
    *,
    mentor: Mentor,
    course: TrainingCourse,
    completed_on: dt.date,
    recorded_by: User | None,
    hours: Decimal | None = None,
) -> TrainingRecord:
    """Records one completed course; the expiry date follows from the course's validity."""
    record = TrainingRecord(
        mentor=mentor,
        course=course,
        completed_on=completed_on,
        expires_on=course.expiry_for(completed_on) if completed_on else None,
        hours=course.hours if hours is None else hours,
        recorded_by=recorded_by,
    )
    if TrainingRecord.objects.filter(
        mentor=mentor, course=course, completed_on=completed_on
    ).exists():
        raise ValidationError({"completed_on": _duplicate_message(mentor, course, completed_on)})
    record.full_clean()
    try:
        with transaction.atomic():
            record.save()
            _announce_training([mentor])
    except IntegrityError as exc:
        raise ValidationError(
            {"completed_on": _duplicate_message(mentor, course, completed_on)}
        ) from exc
    return record


def _announce_training(mentors: Sequence[Mentor]) -> None:
    mentors = list(mentors)
    transaction.on_commit(lambda: training_recorded.send(sender=TrainingRecord, mentors=mentors))


def training_session_record(
    *,
    course: TrainingCourse,
    completed_on: dt.date,
    attendees: Sequence[Mentor],
    recorded_by: User | None,
    hours: Decimal | None = None,
) -> list[TrainingRecord]:
    """Records one course on one date for everyone who attended, all or nothing."""
    if not attendees:
        raise ValidationError({"attendees": gettext("Tick at least one attendee.")})
    already = list(
        TrainingRecord.objects.filter(
            course=course, completed_on=completed_on, mentor__in=attendees
        ).select_related("mentor__user")
    )
    if already:
        names = ", ".join(sorted(str(r.mentor) for r in already))
        raise ValidationError(
            {
                "attendees": (
                    gettext(
                        "“%(course)s” is already recorded on %(date)s for: %(names)s. "
                        "Untick them and save again."
                    )
                    % {"course": course, "date": format_day(completed_on), "names": names}
                )
            }
        )
    expires_on = course.expiry_for(completed_on)
    records = [
        TrainingRecord(
            mentor=mentor,
            course=course,
            completed_on=completed_on,
            expires_on=expires_on,
            hours=course.hours if hours is None else hours,
            recorded_by=recorded_by,
        )
        for mentor in attendees
    ]
    for record in records:
        # Foreign keys were loaded by the caller; skip their per-row existence queries.
        record.full_clean(exclude=["mentor", "course", "recorded_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            created = TrainingRecord.objects.bulk_create(records)
            _announce_training(attendees)
            return created
    except IntegrityError as exc:
        raise ValidationError(
            {
                "attendees": gettext(
                    "Someone recorded this session at the same moment. Check and try again."
                )
            }
        ) from exc
