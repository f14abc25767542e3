"""Mentor pages: the roster and mentor page for staff, "My training" and the profile for mentors."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mentoring_site import audit
from mentoring_site.roles import (
    Role,
    mentor_required,
    role_of,
    staff_or_mentor_required,
    staff_required,
)
from mentoring_site.search import redirect_with_filters, search_remember, search_term
from mentors import selectors, services
from mentors.forms import (
    AwayForm,
    CapacityForm,
    MentorCreateForm,
    MentorOwnProfileForm,
    MentorStaffForm,
    RosterFilterForm,
    SearchForm,
    StatusChangeForm,
    TrainingRecordForm,
    TrainingSessionForm,
)
from mentors.models import Mentor, format_day
from mentors.selectors import mentor_for
from residents.models import House

SEARCH_SESSION_KEY = "mentors_roster_search"
PAGE_SIZE = 25


def _get_mentor_for_change(request: HttpRequest, pk: int) -> Mentor:
    """The mentor if this user may change them (a manager: a mentor serving one of their
    houses); 404 otherwise, even where the profile itself is readable."""
    return get_object_or_404(
        Mentor.objects.changeable_by(request.user).select_related("user"), pk=pk
    )


def _own_mentor(request: HttpRequest) -> Mentor:
    return get_object_or_404(Mentor.objects.select_related("user"), user=request.user)


def _form_errors_from(form, exc: ValidationError) -> None:
    """Puts a service's errors beside the matching fields (or on top when there is no field)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@staff_required
def mentor_list(request: HttpRequest) -> HttpResponse:
    """The roster. A name search is POSTed and kept in the session, never put in the URL."""
    if request.method == "POST":
        search_remember(
            request, SEARCH_SESSION_KEY, SearchForm(request.POST), clear="clear" in request.POST
        )
        return redirect_with_filters(request, reverse("mentors:list"), first_page=False)

    today = timezone.localdate()
    term = search_term(request, SEARCH_SESSION_KEY)
    filter_form = RosterFilterForm(request.GET or None)
    filters = selectors.RosterFilters(search=term)
    if filter_form.is_bound and filter_form.is_valid():
        data = filter_form.cleaned_data
        filters = selectors.RosterFilters(
            cleared=filter_form.cleared_value(),
            status=data["status"],
            house=data["house"],
            language=data["language"],
            pathway=data["pathway"],
            search=term,
        )
    roster = selectors.mentor_roster(user=request.user, filters=filters, today=today)
    page = Paginator(roster, PAGE_SIZE).get_page(request.GET.get("page"))
    mentors = list(page.object_list)
    clearances = selectors.clearances_for(mentors, today=today)
    rows = [selectors.RosterRow(m, clearances[m.pk]) for m in mentors]
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "mentors/list.html",
        {
            "rows": rows,
            "page": page,
            "filter_form": filter_form,
            "search_form": SearchForm(initial={"q": term}),
            "search_term": term,
            "filter_query": params.urlencode(),
            "filtered": bool(term) or any(v for k, v in request.GET.items() if k != "page"),
        },
    )


@staff_or_mentor_required
def mentor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if role_of(request.user) == Role.MENTOR:
        # A mentor's own page is their profile; another mentor's page is a 404.
        mentor_for(request.user, pk)
        return redirect("mentors:my_profile")
    mentor = get_object_or_404(
        Mentor.objects.visible_to(request.user)
        .select_related("user")
        .with_active_mentee_count()
        .prefetch_related("languages", "pathways", "houses", "status_changes__changed_by"),
        pk=pk,
    )
    overview = selectors.mentor_training_overview(mentor=mentor, today=timezone.localdate())
    audit.mark(request, "view", mentor)
    # Every manager reads a profile for matching; the phone, the history and the write
    # buttons are for those who may change the mentor.
    mine = Mentor.objects.changeable_by(request.user)
    return render(
        request,
        "mentors/detail.html",
        {
            "mentor": mentor,
            "overview": overview,
            "can_change": mine.filter(pk=mentor.pk).exists(),
            "profile_changes": mentor.profile_changes.select_related("changed_by"),
        },
    )


@staff_required
def mentor_create(request: HttpRequest) -> HttpResponse:
    form = MentorCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            mentor = services.mentor_create(**form.service_kwargs())
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            audit.mark(request, "create", mentor)
            messages.success(
                request,
                _(
                    "%(name)s was added as an applicant. They have been emailed a link to set "
                    "their password."
                )
                % {"name": mentor},
            )
            return redirect("mentors:detail", pk=mentor.pk)
    return render(
        request,
        "mentors/form.html",
        {
            "form": form,
            "title": _("Add a mentor"),
            "submit": _("Add mentor"),
            "cancel": "mentors:list",
        },
    )


@staff_required
def mentor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    mentor = _get_mentor_for_change(request, pk)
    form = MentorStaffForm(request.POST or None, instance=mentor, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.mentor_update(mentor=mentor, changed_by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            audit.mark(request, "change", mentor)
            messages.success(request, _("Profile saved."))
            return redirect("mentors:detail", pk=mentor.pk)
    return render(
        request,
        "mentors/form.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": mentor},
            "submit": _("Save"),
            "mentor": mentor,
        },
    )


@staff_required
def mentor_status(request: HttpRequest, pk: int) -> HttpResponse:
    mentor = _get_mentor_for_change(request, pk)
    allowed = Mentor.objects.status_changeable_by(request.user).filter(pk=mentor.pk).exists()
    if not allowed:
        # Readable and editable, but their status reaches houses this manager does not run.
        return render(
            request,
            "mentors/status.html",
            {"form": None, "mentor": mentor, "not_yours": services.STATUS_NOT_YOURS},
        )
    form = StatusChangeForm(request.POST or None, mentor=mentor)
    if request.method == "POST" and form.is_valid():
        try:
            services.mentor_change_status(
                mentor=mentor,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                changed_by=request.user,
            )
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            audit.mark(request, "change", mentor)
            message = _("%(name)s is now %(status)s.") % {
                "name": mentor,
                "status": mentor.get_status_display().lower(),
            }
            if mentor.status == Mentor.Status.RETIRED:
                message += " " + _("They can no longer sign in.")
            messages.success(request, message)
            return redirect("mentors:detail", pk=mentor.pk)
    return render(request, "mentors/status.html", {"form": form, "mentor": mentor})


@staff_required
@require_POST
def mentor_resend_invite(request: HttpRequest, pk: int) -> HttpResponse:
    mentor = _get_mentor_for_change(request, pk)
    if services.mentor_send_set_password_email(user=mentor.user):
        messages.success(request, _("The set-password email was sent again."))
    else:
        messages.error(request, _("The email could not be sent. Try again later."))
    audit.mark(request, "change", mentor)
    return redirect("mentors:detail", pk=mentor.pk)


@staff_required
def record_training(request: HttpRequest, pk: int) -> HttpResponse:
    mentor = _get_mentor_for_change(request, pk)
    form = TrainingRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.training_record_create(
                mentor=mentor,
                course=form.cleaned_data["course"],
                completed_on=form.cleaned_data["completed_on"],
                hours=form.cleaned_data["hours"],
                recorded_by=request.user,
            )
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            audit.mark(request, "create", record)
            messages.success(
                request,
                _("Recorded %(course)s for %(name)s.") % {"course": record.course, "name": mentor},
            )
            return redirect("mentors:detail", pk=mentor.pk)
    return render(
        request,
        "mentors/form.html",
        {
            "form": form,
            "title": _("Record training for %(name)s") % {"name": mentor},
            "submit": _("Record training"),
            "mentor": mentor,
        },
    )


SESSION_LIST_LIMIT = 150


@staff_required
def record_session(request: HttpRequest) -> HttpResponse:
    """One course, one date, tick the attendees. `?house=<id>` and `?status=<code>` narrow the
    list (ids and codes only in the URL)."""
    house = None
    house_id = request.GET.get("house", "")
    if house_id.isdigit():
        house = House.objects.filter(pk=house_id).first()
    status = request.GET.get("status", "")
    if status not in Mentor.Status.values or status == Mentor.Status.RETIRED:
        status = ""
    attendees_qs = selectors.session_attendee_choices(user=request.user, house=house, status=status)
    form = TrainingSessionForm(request.POST or None, attendees_qs=attendees_qs)
    if request.method == "POST" and form.is_valid():
        try:
            records = services.training_session_record(
                course=form.cleaned_data["course"],
                completed_on=form.cleaned_data["completed_on"],
                attendees=list(form.cleaned_data["attendees"]),
                hours=form.cleaned_data["hours"],
                recorded_by=request.user,
            )
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            audit.mark(request, "create", "mentors.trainingsession")
            messages.success(
                request,
                ngettext(
                    "Recorded %(course)s for %(count)d mentor.",
                    "Recorded %(course)s for %(count)d mentors.",
                    len(records),
                )
                % {"course": form.cleaned_data["course"], "count": len(records)},
            )
            return redirect("mentors:list")
    ticked = form.ticked()
    shown, total = selectors.session_attendees_shown(
        attendees_qs, limit=SESSION_LIST_LIMIT, ticked=ticked
    )
    return render(
        request,
        "mentors/session.html",
        {
            "form": form,
            "attendees": shown,
            "ticked": set(ticked),
            "total": total,
            "limited": total > SESSION_LIST_LIMIT,
            "houses": House.objects.all(),
            "house": house,
            "status": status,
            "statuses": [s for s in Mentor.Status.choices if s[0] != Mentor.Status.RETIRED],
        },
    )


@mentor_required
def my_training(request: HttpRequest) -> HttpResponse:
    mentor = _own_mentor(request)
    overview = selectors.mentor_training_overview(mentor=mentor, today=timezone.localdate())
    return render(request, "mentors/my_training.html", {"mentor": mentor, "overview": overview})


@mentor_required
def my_profile(request: HttpRequest) -> HttpResponse:
    """A mentor edits their own profile. Status, recovery-since, houses and capacity are not
    on the form (nor in the service), so a forged POST carrying them changes nothing."""
    mentor = _own_mentor(request)
    form = MentorOwnProfileForm(request.POST or None, instance=mentor)
    if request.method == "POST" and form.is_valid():
        try:
            services.mentor_update_profile(mentor=mentor, **form.service_kwargs())
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, gettext("Your profile is saved."))
            return redirect("mentors:my_profile")
    return _render_my_profile(request, mentor, form=form)


def _render_my_profile(
    request: HttpRequest,
    mentor: Mentor,
    *,
    form=None,
    away_form=None,
    capacity_form=None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "mentors/my_profile.html",
        {
            "mentor": mentor,
            "form": form or MentorOwnProfileForm(instance=mentor),
            "away_form": away_form
            or AwayForm(initial={"away_from": mentor.away_from, "back_on": mentor.back_on}),
            "capacity_form": capacity_form or CapacityForm(initial={"capacity": mentor.capacity}),
            "is_away": mentor.is_away(today),
            "away_planned": bool(mentor.away_from and mentor.away_from > today),
        },
        status=status,
    )


@mentor_required
@require_POST
def my_away(request: HttpRequest) -> HttpResponse:
    """Sets or clears "away from ... back on ..." (up to 60 days; longer stays with staff)."""
    mentor = _own_mentor(request)
    form = AwayForm(request.POST)
    if form.is_valid():
        try:
            services.mentor_set_away(
                mentor=mentor,
                away_from=form.cleaned_data["away_from"],
                back_on=form.cleaned_data["back_on"],
                changed_by=request.user,
            )
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            if mentor.away_from:
                messages.success(
                    request,
                    gettext(
                        "You are away from %(start)s and back on %(end)s. Your mentees' "
                        "check-ins pause meanwhile."
                    )
                    % {"start": format_day(mentor.away_from), "end": format_day(mentor.back_on)},
                )
            else:
                messages.success(
                    request, gettext("You are not away. Your mentees' check-ins carry on.")
                )
            return redirect("mentors:my_profile")
    return _render_my_profile(request, mentor, away_form=form)


@mentor_required
@require_POST
def my_capacity(request: HttpRequest) -> HttpResponse:
    """Lowers the mentor's own capacity; raising it is refused (staff do that)."""
    mentor = _own_mentor(request)
    form = CapacityForm(request.POST)
    if form.is_valid():
        try:
            services.mentor_lower_capacity(
                mentor=mentor, capacity=form.cleaned_data["capacity"], changed_by=request.user
            )
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(
                request,
                gettext("You take up to %(capacity)s mentees at a time.")
                % {"capacity": mentor.capacity},
            )
            return redirect("mentors:my_profile")
    return _render_my_profile(request, mentor, capacity_form=form)
