"""Group session pages: managers schedule and cancel (browser); facilitators see Today and
take attendance (phone)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from activity_log.groups import selectors, services
from activity_log.groups.forms import AttendanceForm, CancelForm, GroupSessionForm
from activity_log.groups.models import GroupSeries, GroupSession, Kind
from mentoring_site import audit
from mentoring_site.roles import (
    is_admin,
    mentor_required,
    staff_or_mentor_required,
    staff_required,
)
from mentoring_site.shortcuts import visible_or_404
from mentors.models import Mentor
from residents.models import House, Resident


def _get_session_for_user(request: HttpRequest, pk: int) -> GroupSession:
    return get_object_or_404(
        GroupSession.objects.visible_to(request.user).select_related("house", "series"), pk=pk
    )


def _get_session_to_change(request: HttpRequest, pk: int) -> GroupSession:
    return get_object_or_404(
        GroupSession.objects.changeable_by(request.user).select_related("house", "series"), pk=pk
    )


def _get_session_for_attendance(request: HttpRequest, pk: int) -> GroupSession:
    return get_object_or_404(
        GroupSession.objects.attendance_takeable_by(request.user).select_related(
            "house", "attendance_taken_by"
        ),
        pk=pk,
    )


def _mark_attendance_read(request: HttpRequest, session: GroupSession, resident_ids) -> None:
    """Residents' attendance is resident data: one audit row per resident shown."""
    resident_ids = sorted(set(resident_ids))
    if resident_ids:
        audit.mark_each(request, "view", [(session, rid) for rid in resident_ids])
    else:
        audit.mark(request, "view", session)


# --- Managers: list, house page, schedule, edit, cancel -------------------------------------


@staff_required
def session_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    sessions = selectors.upcoming(GroupSession.objects.visible_to(request.user), now=now)
    audit.mark(request, "view", "groups.list")
    return render(
        request,
        "activity_log/groups/list.html",
        {
            "sessions": sessions,
            "houses": House.objects.visible_to(request.user).order_by("name"),
        },
    )


@staff_required
def house_sessions(request: HttpRequest, house_id: int) -> HttpResponse:
    """A house's next four weeks and its weekly house-meeting attendance rate."""
    house = get_object_or_404(House.objects.visible_to(request.user), pk=house_id)
    now = timezone.now()
    sessions = selectors.upcoming(GroupSession.objects.filter(house=house), now=now)
    audit.mark(request, "view", house)
    with timezone.override(house.zone):
        return render(
            request,
            "activity_log/groups/house.html",
            {
                "house": house,
                "sessions": sessions,
                "rate": selectors.weekly_attendance_rate(house, now=now),
                "waiting": selectors.sessions_without_attendance(
                    GroupSession.objects.filter(house=house), now=now
                ),
            },
        )


def _changeable_houses(request: HttpRequest):
    if is_admin(request.user):
        return House.objects.order_by("name")
    return House.objects.filter(managers=request.user).order_by("name")


@staff_required
def session_new(request: HttpRequest) -> HttpResponse:
    houses = _changeable_houses(request)
    program_wide = is_admin(request.user)
    if request.method == "POST":
        form = GroupSessionForm(request.POST, houses=houses, program_wide=program_wide)
        if form.is_valid():
            data = form.cleaned_data
            common = {
                "creator": request.user,
                "house": data["house"],
                "kind": data["kind"],
                "title": data["title"],
                "duration_minutes": data["duration_minutes"],
                "place": data["place"],
                "facilitator_mentors": data["facilitator_mentors"],
                "facilitator_residents": data["facilitator_residents"],
                "facilitator_users": data["facilitator_users"],
            }
            try:
                if data["repeat_until"]:
                    local = data["starts_at"]
                    series = services.group_series_create(
                        **common,
                        starts_on=local.date(),
                        start_time=local.time(),
                        until=data["repeat_until"],
                    )
                    session = series.sessions.order_by("series_date").first()
                    audit.mark(request, "create", series)
                    _warn_skipped_days(request, series)
                else:
                    session = services.group_session_create(**common, starts_at=data["starts_at"])
                    audit.mark(request, "create", session)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Session scheduled."))
                if session is None:
                    # A series starting beyond the 8-week window: its occurrences come later.
                    return redirect("groups:list")
                return redirect("groups:detail", pk=session.pk)
    else:
        initial = {"duration_minutes": 60}
        house_id = request.GET.get("house", "")
        if house_id.isdigit():
            initial["house"] = houses.filter(pk=int(house_id)).first()
        form = GroupSessionForm(initial=initial, houses=houses, program_wide=program_wide)
    return render(request, "activity_log/groups/form.html", {"form": form, "editing": None})


def _warn_skipped_days(request: HttpRequest, series: GroupSeries) -> None:
    """Say which weeks of a new or changed series start an hour later because the clocks go
    forward through the start time (02:30 does not exist that night in most US zones)."""
    skipped = series.skipped_days()
    if not skipped:
        return
    date_format = pgettext("date format", "M j, Y")
    messages.warning(
        request,
        ngettext(
            "The clocks go forward on %(dates)s, so that day's session starts at %(time)s.",
            "The clocks go forward on %(dates)s, so those days' sessions start at %(time)s.",
            len(skipped),
        )
        % {
            "dates": ", ".join(formats.date_format(day, date_format) for day, _time in skipped),
            "time": formats.time_format(skipped[0][1], "TIME_FORMAT"),
        },
    )


@staff_required
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _get_session_to_change(request, pk)
    houses = _changeable_houses(request)
    kwargs = {"houses": houses, "program_wide": is_admin(request.user), "editing": session}
    if request.method == "POST":
        form = GroupSessionForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                session = services.group_session_update(
                    session=session,
                    editor=request.user,
                    scope=data.get("scope") or "this",
                    title=data["title"],
                    kind=data["kind"],
                    starts_at=data["starts_at"],
                    duration_minutes=data["duration_minutes"],
                    place=data["place"],
                    facilitator_mentors=data["facilitator_mentors"],
                    facilitator_residents=data["facilitator_residents"],
                    facilitator_users=data["facilitator_users"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                audit.mark(request, "change", session)
                messages.success(request, _("Session updated."))
                if data.get("scope") == "following" and session.series_id:
                    _warn_skipped_days(request, session.series)
                return redirect("groups:detail", pk=session.pk)
    else:
        form = GroupSessionForm(initial=GroupSessionForm.initial_for(session), **kwargs)
    audit.mark(request, "view", session)
    return render(request, "activity_log/groups/form.html", {"form": form, "editing": session})


@staff_required
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = _get_session_to_change(request, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.group_session_cancel(
                session=session, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            audit.mark(request, "change", session)
            messages.success(
                request, _("Session cancelled. It stays on the calendar as cancelled.")
            )
            return redirect("groups:detail", pk=session.pk)
    audit.mark(request, "view", session)
    with timezone.override(session.zone()):
        return render(
            request,
            "activity_log/groups/cancel.html",
            {"form": form, "session": session},
            status=400 if request.method == "POST" else 200,
        )


# --- Everyone in scope: one session ---------------------------------------------------------


@staff_or_mentor_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _get_session_for_user(request, pk)
    attendance = list(session.attendance.select_related("resident", "mentor__user").order_by("id"))
    _mark_attendance_read(request, session, [a.resident_id for a in attendance if a.resident_id])
    takeable = GroupSession.objects.attendance_takeable_by(request.user).filter(pk=pk).exists()
    with timezone.override(session.zone()):
        return render(
            request,
            "activity_log/groups/detail.html",
            {
                "session": session,
                "attendance": attendance,
                "can_change": GroupSession.objects.changeable_by(request.user)
                .filter(pk=pk)
                .exists(),
                "can_take": takeable and not session.is_cancelled,
                "facilitators": [
                    *(str(m) for m in session.facilitator_mentors.select_related("user")),
                    *(r.preferred_name for r in session.facilitator_residents.all()),
                    *(u.get_full_name() or u.email for u in session.facilitator_users.all()),
                ],
            },
        )


def _attendance_choices(session: GroupSession, user):
    """Who the attendance screen lists (the roster), with anyone already recorded:

    - a house's session: the house's active residents;
    - a mentor circle: the program's active mentors;
    - any other program-wide session (a workshop for every house, say): the program's active
      mentors and the active residents the person taking attendance may already see (a
      manager: their houses; an admin: every house; a mentor: their own mentees). Nobody
      learns a resident's name through the roster; anyone else who came is a guest count.
    """
    already = Q(group_attendance__session=session)
    active_mentors = (
        Mentor.objects.filter(Q(status=Mentor.Status.ACTIVE) | already)
        .distinct()
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "pk")
    )
    if session.kind == Kind.MENTOR_CIRCLE:
        return Resident.objects.none(), active_mentors
    if session.house_id:
        residents = (
            Resident.objects.filter(house_id=session.house_id)
            .filter(Q(status=Resident.Status.ACTIVE) | already)
            .distinct()
            .order_by("preferred_name", "pk")
        )
        return residents, Mentor.objects.none()
    residents = (
        resident_scope(user)
        .filter(Q(status=Resident.Status.ACTIVE) | already)
        .distinct()
        .select_related("house")
        .order_by("preferred_name", "pk")
    )
    return residents, active_mentors


def resident_scope(user):
    """The residents a taker may record at a program-wide session (and so may remove)."""
    return Resident.objects.visible_to(user)


@staff_or_mentor_required
def attendance_take(request: HttpRequest, pk: int) -> HttpResponse:
    session = _get_session_for_attendance(request, pk)
    residents, mentors = _attendance_choices(session, request.user)
    locked = not services.attendance_is_correctable_by(session, request.user)
    if request.method == "POST":
        form = AttendanceForm(
            request.POST, residents=residents, mentors=mentors, show_house=not session.house_id
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.attendance_record(
                    session=session,
                    taker=request.user,
                    residents=data["residents"],
                    mentors=data["mentors"],
                    guests=data["guests"],
                    note=data["note"],
                    idempotency_key=data["idempotency_key"],
                    resident_scope=None if session.house_id else resident_scope(request.user),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if data["residents"]:
                    audit.mark_each(request, "change", [(session, r.pk) for r in data["residents"]])
                else:
                    audit.mark(request, "change", session)
                return redirect("groups:attendance_saved", pk=session.pk)
    else:
        present = list(session.attendance.all())
        form = AttendanceForm(
            residents=residents,
            mentors=mentors,
            show_house=not session.house_id,
            initial={
                "residents": [a.resident_id for a in present if a.resident_id],
                "mentors": [a.mentor_id for a in present if a.mentor_id],
                "guests": session.guests,
                "note": session.attendance_note,
                "idempotency_key": uuid.uuid4(),
            },
        )
    if request.method != "POST":
        # The form's own list (its result cache then draws the chips: one query for both).
        _mark_attendance_read(request, session, [r.pk for r in form.fields["residents"].queryset])
    with timezone.override(session.zone()):
        return render(
            request,
            "activity_log/groups/attendance.html",
            {
                "form": form,
                "session": session,
                "locked": locked,
                # A draft per session: one taken while offline comes back after a reload.
                "draft_key": ""
                if session.attendance_taken_at
                else f"attendance-draft:{session.pk}",
            },
        )


@staff_or_mentor_required
def attendance_saved(request: HttpRequest, pk: int) -> HttpResponse:
    session = _get_session_for_attendance(request, pk)
    audit.mark(request, "view", session)
    return render(
        request,
        "activity_log/groups/attendance_saved.html",
        {
            "session": session,
            "present": session.attendance.count(),
            "draft_key": f"attendance-draft:{session.pk}",
        },
    )


# --- Partials loaded by lower apps' pages (htmx) -------------------------------------------


@mentor_required
def today(request: HttpRequest) -> HttpResponse:
    """The mentor home's "Today" slot: sessions they facilitate today."""
    sessions = selectors.today_for(request.user)
    return render(request, "activity_log/groups/_today.html", {"sessions": sessions})


@mentor_required
def my_circles(request: HttpRequest) -> HttpResponse:
    """My progress: mentor circles attended in the last 90 days."""
    mentor = get_object_or_404(Mentor, user=request.user)
    return render(
        request,
        "activity_log/groups/_my_circles.html",
        {"circles": selectors.circles_attended(mentor)},
    )


@staff_required
def resident_attendance(request: HttpRequest, resident_id: int) -> HttpResponse:
    """The resident page's section: attended / held over 90 days, by kind."""
    resident = visible_or_404(Resident.objects.all(), request.user, resident_id)
    rows = selectors.resident_attendance(resident)
    # Part of the resident page's visit when it carries its token: no second row.
    audit.mark_section(request, "view", resident, resident_id=resident.pk)
    return render(
        request,
        "activity_log/groups/_resident_attendance.html",
        {"resident": resident, "rows": rows},
    )
