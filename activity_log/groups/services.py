"""Writes for group sessions: schedule, repeat weekly, edit this one or this and following,
cancel (the record stays), and take attendance once per form."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activity_log.contacts import hours
from activity_log.groups.models import (
    Attendance,
    AttendanceSubmission,
    GroupSeries,
    GroupSession,
    Kind,
)
from mentoring_site.models import User
from mentors.models import Mentor
from residents.models import House, Resident

# Occurrences exist at most this far ahead; the daily task moves the window on.
SERIES_WINDOW = dt.timedelta(weeks=8)
FUTURE_TOLERANCE = dt.timedelta(minutes=15)


def attendance_window() -> dt.timedelta:
    """How long the taker may correct attendance (then only a manager may)."""
    return getattr(settings, "GROUP_ATTENDANCE_EDIT_WINDOW", settings.CONTACT_EDIT_WINDOW)


def _set_facilitators(obj, mentors, residents, users) -> None:
    obj.facilitator_mentors.set(list(mentors))
    obj.facilitator_residents.set(list(residents))
    obj.facilitator_users.set(list(users))


def _check_facilitators(house: House | None, residents: Iterable[Resident]) -> None:
    if any(house is None or r.house_id != house.pk for r in residents):
        raise ValidationError(
            {
                "facilitator_residents": [
                    _("Resident facilitators must live in the session's house.")
                ]
            }
        )


def group_session_create(
    *,
    creator: User,
    house: House | None,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    duration_minutes: int = 60,
    place: str = "",
    facilitator_mentors: Iterable[Mentor] = (),
    facilitator_residents: Iterable[Resident] = (),
    facilitator_users: Iterable[User] = (),
) -> GroupSession:
    residents = list(facilitator_residents)
    session = GroupSession(
        house=house,
        kind=kind,
        title=title.strip(),
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        place=place.strip(),
        created_by=creator,
    )
    session.full_clean(exclude=["created_by"])
    _check_facilitators(house, residents)
    with transaction.atomic():
        session.save()
        _set_facilitators(session, facilitator_mentors, residents, facilitator_users)
    return session


def _occurrence_start(series: GroupSeries, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, series.start_time, tzinfo=series.zone())


def group_series_create(
    *,
    creator: User,
    house: House | None,
    kind: str,
    title: str,
    starts_on: dt.date,
    start_time: dt.time,
    until: dt.date,
    duration_minutes: int = 60,
    place: str = "",
    facilitator_mentors: Iterable[Mentor] = (),
    facilitator_residents: Iterable[Resident] = (),
    facilitator_users: Iterable[User] = (),
    today: dt.date | None = None,
) -> GroupSeries:
    """A weekly series from `starts_on` to `until`; occurrences are made up to 8 weeks ahead."""
    residents = list(facilitator_residents)
    series = GroupSeries(
        house=house,
        kind=kind,
        title=title.strip(),
        place=place.strip(),
        starts_on=starts_on,
        start_time=start_time,
        duration_minutes=duration_minutes,
        until=until,
        created_by=creator,
    )
    if until < starts_on:
        raise ValidationError({"until": [_("Repeat until a date on or after the first date.")]})
    series.full_clean(exclude=["created_by"])
    _check_facilitators(house, residents)
    with transaction.atomic():
        series.save()
        _set_facilitators(series, facilitator_mentors, residents, facilitator_users)
        series_extend(series=series, today=today)
    return series


def series_extend(*, series: GroupSeries, today: dt.date | None = None) -> int:
    """Creates the missing occurrences up to SERIES_WINDOW ahead (or the series' end).

    Idempotent: one occurrence per (series, date) in the database, so a second beat, a retried
    task or two workers at once create nothing twice. Returns how many were created."""
    today = today or timezone.localdate()
    horizon = min(series.until, today + SERIES_WINDOW)
    day = series.starts_on
    if series.generated_until and series.generated_until >= day:
        weeks = (series.generated_until - day).days // 7 + 1
        day = day + dt.timedelta(weeks=weeks)
    days = []
    while day <= horizon:
        days.append(day)
        day += dt.timedelta(weeks=1)
    if not days:
        return 0
    mentors = list(series.facilitator_mentors.all())
    residents = list(series.facilitator_residents.all())
    users = list(series.facilitator_users.all())
    with transaction.atomic():
        existing = set(
            GroupSession.objects.filter(series=series, series_date__in=days).values_list(
                "series_date", flat=True
            )
        )
        GroupSession.objects.bulk_create(
            [
                GroupSession(
                    house_id=series.house_id,
                    kind=series.kind,
                    title=series.title,
                    place=series.place,
                    starts_at=_occurrence_start(series, d),
                    duration_minutes=series.duration_minutes,
                    series=series,
                    series_date=d,
                    created_by_id=series.created_by_id,
                )
                for d in days
                if d not in existing
            ],
            # A second worker extending at the same moment: the database keeps one per date.
            ignore_conflicts=True,
        )
        new = list(
            GroupSession.objects.filter(series=series, series_date__in=days)
            .exclude(series_date__in=existing)
            .values_list("pk", flat=True)
        )
        _bulk_facilitators(new, mentors, residents, users)
        GroupSeries.objects.filter(pk=series.pk).update(generated_until=days[-1])
        series.generated_until = days[-1]
    return len(new)


def _bulk_facilitators(session_ids, mentors, residents, users) -> None:
    for field, people, column in (
        (GroupSession.facilitator_mentors, mentors, "mentor_id"),
        (GroupSession.facilitator_residents, residents, "resident_id"),
        (GroupSession.facilitator_users, users, "user_id"),
    ):
        through = field.through
        through.objects.bulk_create(
            [through(groupsession_id=s, **{column: p.pk}) for s in session_ids for p in people],
            ignore_conflicts=True,
        )


def series_extend_all(*, today: dt.date | None = None) -> int:
    """The daily beat: move every running series' window on."""
    today = today or timezone.localdate()
    created = 0
    for series in GroupSeries.objects.filter(until__gte=today).select_related("house"):
        created += series_extend(series=series, today=today)
    return created


def group_session_update(
    *,
    session: GroupSession,
    editor: User,
    scope: str = "this",
    title: str,
    kind: str,
    starts_at: dt.datetime,
    duration_minutes: int,
    place: str = "",
    facilitator_mentors: Iterable[Mentor] = (),
    facilitator_residents: Iterable[Resident] = (),
    facilitator_users: Iterable[User] = (),
    today: dt.date | None = None,
) -> GroupSession:
    """Edits one occurrence ("this": it leaves the series' later edits) or splits the series
    at this occurrence ("following": the old series ends the day before, a new one starts
    here with the new values; later occurrences not yet held follow it)."""
    if scope not in ("this", "following"):
        raise ValueError(scope)
    if session.is_cancelled:
        raise ValidationError(_("A cancelled session cannot be edited."), code="cancelled")
    mentors, residents, users = (
        list(facilitator_mentors),
        list(facilitator_residents),
        list(facilitator_users),
    )
    _check_facilitators(session.house, residents)
    if scope == "this" or session.series_id is None:
        session.title, session.kind = title.strip(), kind
        session.starts_at, session.duration_minutes = starts_at, duration_minutes
        session.place = place.strip()
        session.detached = session.series_id is not None
        session.full_clean(exclude=["created_by"])
        with transaction.atomic():
            session.save()
            _set_facilitators(session, mentors, residents, users)
        return session
    return _split_series(
        session=session,
        editor=editor,
        title=title,
        kind=kind,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        place=place,
        people=(mentors, residents, users),
        today=today,
    )


def _split_series(
    *, session, editor, title, kind, starts_at, duration_minutes, place, people, today
):
    old = GroupSeries.objects.select_related("house").get(pk=session.series_id)
    split_on = session.series_date
    local_start = timezone.localtime(starts_at, old.zone())
    new = GroupSeries(
        house=old.house,
        kind=kind,
        title=title.strip(),
        place=place.strip(),
        starts_on=local_start.date(),
        start_time=local_start.time().replace(second=0, microsecond=0),
        duration_minutes=duration_minutes,
        until=max(old.until, local_start.date()),
        created_by=editor,
    )
    new.full_clean(exclude=["created_by"])
    with transaction.atomic():
        old = GroupSeries.objects.select_for_update().get(pk=old.pk)
        following = GroupSession.objects.filter(series=old, series_date__gte=split_on).exclude(
            pk=session.pk
        )
        # Occurrences not held, not cancelled and not changed by hand make way for the new
        # series; the others move to it as they are (detached), so it makes no second one on
        # their date.
        following.filter(
            detached=False, status=GroupSession.Status.SCHEDULED, attendance_taken_at__isnull=True
        ).delete()
        new.save()
        _set_facilitators(new, *people)
        following.update(series=new, detached=True)
        if split_on <= old.starts_on:
            # Splitting at the first occurrence: the old series keeps no date of its own.
            old.until = old.starts_on
        else:
            old.until = split_on - dt.timedelta(days=1)
        GroupSeries.objects.filter(pk=old.pk).update(until=old.until)
        session.series, session.series_date = new, new.starts_on
        session.title, session.kind, session.place = new.title, kind, new.place
        session.starts_at, session.duration_minutes = starts_at, duration_minutes
        session.detached = False
        session.save()
        _set_facilitators(session, *people)
        series_extend(series=new, today=today)
    return session


def group_session_cancel(*, session: GroupSession, user: User, reason: str) -> GroupSession:
    """Cancels with a reason; the record stays (counts and history need it)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why it is cancelled (residents will ask).")]})
    if session.attendance_taken_at is not None:
        raise ValidationError(
            _("Attendance was taken for this session, so it took place and cannot be cancelled.")
        )
    GroupSession.objects.filter(pk=session.pk).update(
        status=GroupSession.Status.CANCELLED, cancel_reason=reason[:280]
    )
    session.status, session.cancel_reason = GroupSession.Status.CANCELLED, reason[:280]
    return session


def attendance_is_correctable_by(
    session: GroupSession, user: User, *, now: dt.datetime | None = None
) -> bool:
    """Not taken yet: whoever may take it. Taken: the taker within the window, then managers."""
    if session.attendance_taken_at is None:
        return True
    if GroupSession.objects.changeable_by(user).filter(pk=session.pk).exists():
        return True
    now = now or timezone.now()
    return (
        session.attendance_taken_by_id == user.pk
        and now < session.attendance_taken_at + attendance_window()
    )


def attendance_record(
    *,
    session: GroupSession,
    taker: User,
    residents: Iterable[Resident] = (),
    mentors: Iterable[Mentor] = (),
    guests: int = 0,
    note: str = "",
    idempotency_key: uuid.UUID | None = None,
    resident_scope=None,
) -> GroupSession:
    """Records who came (replacing an earlier list: a correction). The same key twice from the
    same user (a double tap, a resent POST) saves once.

    A house's session takes that house's residents. A program-wide session takes residents of
    any house, within `resident_scope` (the residents the taker may see): a correction
    replaces only those, so residents another taker recorded stay recorded."""
    residents, mentors = list(residents), list(mentors)
    errors: dict[str, list[str]] = {}
    if session.is_cancelled:
        raise ValidationError(_("This session was cancelled; there is no attendance to take."))
    if session.starts_at > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError(_("This session has not started yet. Take attendance when it meets."))
    if session.house_id and any(r.house_id != session.house_id for r in residents):
        errors["residents"] = [_("Choose residents of this session's house.")]
    if session.kind == Kind.MENTOR_CIRCLE and residents:
        errors["residents"] = [_("A mentor circle is for mentors: residents are not recorded.")]
    if not session.house_id and residents and resident_scope is not None:
        allowed = set(
            resident_scope.filter(pk__in=[r.pk for r in residents]).values_list("pk", flat=True)
        )
        if any(r.pk not in allowed for r in residents):
            errors["residents"] = [_("Choose residents from the list.")]
    if not 0 <= guests <= 200:
        errors["guests"] = [_("Enter a number of guests from 0 to 200.")]
    if len(note) > 280:
        errors["note"] = [_("Keep the note under 280 characters.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = GroupSession.objects.select_for_update().get(pk=session.pk)
        if idempotency_key is not None:
            # The session row is locked, so two taps of one form cannot both pass this check.
            _submission, created = AttendanceSubmission.objects.get_or_create(
                user=taker, key=idempotency_key, defaults={"session": locked}
            )
            if not created:
                return locked
        if not attendance_is_correctable_by(locked, taker):
            window = int(attendance_window().total_seconds() // 3600)
            raise ValidationError(
                ngettext(
                    "Attendance can be corrected by the person who took it for %(hours)d hour; "
                    "after that, ask a house manager.",
                    "Attendance can be corrected by the person who took it for %(hours)d hours; "
                    "after that, ask a house manager.",
                    window,
                )
                % {"hours": window},
                code="locked",
            )
        before_mentors = set(
            locked.attendance.filter(mentor__isnull=False).values_list("mentor_id", flat=True)
        )
        removable = locked.attendance.exclude(resident__in=residents).filter(resident__isnull=False)
        if resident_scope is not None:
            removable = removable.filter(resident__in=resident_scope)
        removable.delete()
        locked.attendance.exclude(mentor__in=mentors).filter(mentor__isnull=False).delete()
        Attendance.objects.bulk_create(
            [Attendance(session=locked, resident=r) for r in residents]
            + [Attendance(session=locked, mentor=m) for m in mentors],
            ignore_conflicts=True,
        )
        locked.guests, locked.attendance_note = guests, note.strip()
        if locked.attendance_taken_at is None:
            locked.attendance_taken_by, locked.attendance_taken_at = taker, timezone.now()
        locked.attendance_key = idempotency_key
        locked.save(
            update_fields=[
                "guests",
                "attendance_note",
                "attendance_taken_by",
                "attendance_taken_at",
                "attendance_key",
            ]
        )
        # Circle time and facilitation count toward volunteer hours and milestones.
        counted = set(locked.facilitator_mentors.values_list("pk", flat=True))
        if locked.kind == Kind.MENTOR_CIRCLE:
            counted |= {m.pk for m in mentors} | before_mentors
        for mentor in Mentor.objects.filter(pk__in=counted):
            hours.milestones_record(mentor)
    return locked


def group_resident_anonymise(*, resident_id: int) -> None:
    """Retention: attendance rows stay (sessions keep their counts); the free text that could
    name the resident goes: the note of every session they attended."""
    attended = Attendance.objects.filter(resident_id=resident_id).values("session_id")
    GroupSession.objects.filter(pk__in=attended).exclude(attendance_note="").update(
        attendance_note=""
    )
