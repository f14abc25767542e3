"""Mentor pages (my mentees, the log form, my progress) and contact timelines."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from activity_log.contacts import hours, selectors, services
from activity_log.contacts.forms import (
    LOCAL_DATETIME,
    AddendumForm,
    CertificateForm,
    ContactLogForm,
)
from activity_log.feedback import selectors as feedback_selectors
from activity_log.models import ContactLog, Milestone
from matching.models import Pairing
from mentoring_site import audit, page_cache
from mentoring_site.roles import (
    Role,
    is_staff_role,
    mentor_required,
    role_of,
    staff_or_mentor_required,
)
from mentors.models import Mentor
from residents.selectors import resident_for

PAGE_SIZE = 25


def _get_pairing_for_user(request: HttpRequest, pairing_id: int) -> Pairing:
    return get_object_or_404(
        Pairing.objects.visible_to(request.user)
        .select_related("resident__house", "mentor__user")
        .prefetch_related("resident__consents"),
        pk=pairing_id,
    )


def _get_current_own_pairing(request: HttpRequest, pairing_id: int) -> Pairing:
    """A current pairing of the signed-in mentor (the log form); anyone else's, an ended one,
    or any while the mentor is on break or retired answers 404."""
    return get_object_or_404(
        Pairing.objects.visible_to(request.user)
        .current()
        .filter(mentor__user=request.user)
        .select_related("resident__house", "mentor")
        .prefetch_related("resident__consents"),
        pk=pairing_id,
    )


def _get_contact_for_user(
    request: HttpRequest, contact_id: int, *, change: bool = False
) -> ContactLog:
    """A contact the user may see, or with `change=True` may edit, remove or add to."""
    contacts = ContactLog.objects
    scoped = contacts.changeable_by(request.user) if change else contacts.visible_to(request.user)
    return get_object_or_404(
        scoped.select_related("pairing__resident__house", "pairing__mentor__user", "created_by"),
        pk=contact_id,
    )


def _get_own_mentor(request: HttpRequest) -> Mentor:
    return get_object_or_404(Mentor.objects.visible_to(request.user), user=request.user)


def _shows_goals(request: HttpRequest, pairing: Pairing) -> bool:
    """Staff always see goals; a mentor only through a current pairing, while the resident
    consents to share them."""
    if is_staff_role(request.user):
        return True
    consent = selectors.mentor_consent(pairing)
    return bool(consent and consent.shares_goals)


# --- Mentor home -------------------------------------------------------------------------------


@mentor_required
def my_mentees(request: HttpRequest) -> HttpResponse:
    def render_lists(csrf_token: str) -> tuple[str, list]:
        active, paused = selectors.mentee_rows(request.user)
        # Rows come only while the mentor is available; without any, say whether on break.
        on_break = (
            not (active or paused)
            and Mentor.objects.filter(user=request.user, status=Mentor.Status.ON_BREAK).exists()
        )
        context = {
            "active": active,
            "paused": paused,
            "milestone": hours.milestone_celebrate(request.user),
            "on_break": on_break,
            "recovery_due": feedback_selectors.due_resident_ids([r.resident for r in active]),
            "follow_ups": selectors.follow_ups_due(request.user, active + paused),
            "csrf_token": csrf_token,
        }
        html = render_to_string("activity_log/_my_mentees_lists.html", context, request=request)
        # The mentees whose phone numbers the lists show (only active rows show it).
        return html, [row.resident for row in active if row.phone]

    # Kept while nothing the lists show changes: the mentor's own key (their pairings, their
    # residents, contacts, milestones) and program-wide data (mentoring_site/page_cache.py).
    lists, shown = page_cache.part(
        request, "my-mentees", keys=(-request.user.pk,), render=render_lists
    )
    audit.mark(request, "view", "activity_log.my_mentees")
    audit.mark_shown(request, shown)
    return render(request, "activity_log/my_mentees.html", {"lists": lists})


@mentor_required
@require_POST
def follow_up_done(request: HttpRequest, contact_id: int) -> HttpResponse:
    """One tap on My mentees: the follow-up is done. Only its author, while they are the
    pairing's current mentor (`ContactLog.objects.changeable_by`); 404 for anyone else.
    A second tap changes nothing."""
    contact = _get_contact_for_user(request, contact_id, change=True)
    if not contact.follow_up_on:
        raise Http404
    if services.contact_follow_up_done(contact=contact):
        audit.mark(request, "change", contact, resident_id=contact.pairing.resident_id)
        messages.success(
            request,
            gettext("Follow-up with %(name)s done.")
            % {"name": contact.pairing.resident.preferred_name},
        )
    return redirect("activity_log:my_mentees")


# --- Logging, editing, removing ----------------------------------------------------------------


def _contact_form_body(
    request: HttpRequest,
    form: ContactLogForm,
    pairing: Pairing,
    *,
    csrf_token: str,
    draft_key: str = "",
    editing: ContactLog | None = None,
) -> str:
    context = {"form": form, "pairing": pairing, "resident": pairing.resident}
    context |= {"draft_key": draft_key, "editing": editing, "csrf_token": csrf_token}
    return render_to_string("activity_log/_contact_form_body.html", context, request=request)


def _contact_form(
    request: HttpRequest,
    form: ContactLogForm,
    pairing: Pairing,
    *,
    draft_key: str = "",
    editing: ContactLog | None = None,
) -> HttpResponse:
    """The log form, new (with the browser draft's key) or `editing` a contact (no draft)."""
    body = _contact_form_body(
        request,
        form,
        pairing,
        csrf_token=get_token(request),
        draft_key=draft_key,
        editing=editing,
    )
    return _contact_form_page(request, body, editing=editing)


def _contact_form_page(request: HttpRequest, body: str, *, editing=None) -> HttpResponse:
    context = {"body": mark_safe(body), "editing": editing}  # noqa: S308 - template output
    return render(request, "activity_log/contact_form.html", context)


# Stand for this request's own values in a kept log form (mentoring_site/page_cache.py); random
# per process, as the CSRF token's placeholder.
NOW_PLACEHOLDER = f"now-{secrets.token_hex(16)}"
KEY_PLACEHOLDER = f"key-{secrets.token_hex(16)}"


def _contact_new_page(request: HttpRequest, pairing_id: int) -> HttpResponse:
    """The empty log form. Its HTML is kept while nothing the mentor's pages show changes (the
    pairing still current, its consents and goals): a pairing that is not the mentor's own and
    current answers 404 and is never kept. The time ("now", in the house's zone) and the
    double-submit key are each request's own."""

    def render_body(csrf_token: str) -> tuple[str, tuple[int, dt.tzinfo]]:
        pairing = _get_current_own_pairing(request, pairing_id)
        zone = selectors.house_zone(pairing)
        with timezone.override(zone):
            form = ContactLogForm(
                goals=selectors.goals_for_log_form(pairing),
                with_progress=True,
                initial={"happened_at": NOW_PLACEHOLDER, "idempotency_key": KEY_PLACEHOLDER},
            )
            body = _contact_form_body(
                request,
                form,
                pairing,
                csrf_token=csrf_token,
                draft_key=f"contact-draft:{pairing.pk}",
            )
        return body, (pairing.resident_id, zone)

    body, (resident_id, zone) = page_cache.part(
        request, "log-form", keys=(-request.user.pk,), vary=(pairing_id,), render=render_body
    )
    with timezone.override(zone):
        now = ContactLogForm.initial_for()["happened_at"]
        body = body.replace(NOW_PLACEHOLDER, now.strftime(LOCAL_DATETIME))
    body = body.replace(KEY_PLACEHOLDER, str(uuid.uuid4()))
    audit.mark(request, "view", Pairing(pk=pairing_id), resident_id=resident_id)
    return _contact_form_page(request, body)


@mentor_required
def contact_new(request: HttpRequest, pairing_id: int) -> HttpResponse:
    if request.method != "POST":
        return _contact_new_page(request, pairing_id)
    pairing = _get_current_own_pairing(request, pairing_id)
    with timezone.override(selectors.house_zone(pairing)):
        goals = selectors.goals_for_log_form(pairing)
        form = ContactLogForm(request.POST, goals=goals, with_progress=True)
        if form.is_valid():
            try:
                contact = services.contact_log(
                    pairing=pairing,
                    author=request.user,
                    goal_progress=form.goal_progress(),
                    **form.contact_fields(),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                audit.mark(request, "create", contact, resident_id=pairing.resident_id)
                return redirect("activity_log:contact_saved", contact_id=contact.pk)
        audit.mark(request, "view", pairing, resident_id=pairing.resident_id)
        return _contact_form(request, form, pairing, draft_key=f"contact-draft:{pairing.pk}")


@login_required
def contact_saved(request: HttpRequest, contact_id: int) -> HttpResponse:
    """The server's confirmation: the page tells the browser which draft it may now forget."""
    contact = _get_contact_for_user(request, contact_id)
    audit.mark(request, "view", contact, resident_id=contact.pairing.resident_id)
    return render(
        request,
        "activity_log/contact_saved.html",
        {
            "contact": contact,
            "pairing": contact.pairing,
            "draft_key": f"contact-draft:{contact.pairing_id}",
        },
    )


@mentor_required
def contact_edit(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _get_contact_for_user(request, contact_id, change=True)
    pairing = contact.pairing
    if contact.created_by_id != request.user.pk:
        raise Http404
    with timezone.override(selectors.house_zone(pairing)):
        goals = selectors.goals_for_log_form(pairing)
        if request.method == "POST":
            form = ContactLogForm(request.POST, goals=goals, happened_at=contact.happened_at)
            if form.is_valid():
                try:
                    services.contact_update(
                        contact=contact, editor=request.user, **form.contact_fields(with_key=False)
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    audit.mark(request, "change", contact, resident_id=pairing.resident_id)
                    messages.success(request, gettext("Contact updated."))
                    return redirect("activity_log:pairing_history", pairing_id=pairing.pk)
        else:
            if not selectors.contact_is_editable_by(contact, request.user):
                messages.info(
                    request, gettext("This contact is locked after 24 hours. Add an addendum.")
                )
                return redirect("activity_log:contact_addendum", contact_id=contact.pk)
            form = ContactLogForm(goals=goals, initial=ContactLogForm.initial_for(contact))
        audit.mark(request, "view", contact, resident_id=pairing.resident_id)
        return _contact_form(request, form, pairing, editing=contact)


@mentor_required
def contact_remove(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _get_contact_for_user(request, contact_id, change=True)
    pairing = contact.pairing
    if contact.created_by_id != request.user.pk:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            services.contact_remove(contact=contact, user=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            audit.mark(request, "delete", contact, resident_id=pairing.resident_id)
            messages.success(request, gettext("Contact removed."))
            return redirect("activity_log:pairing_history", pairing_id=pairing.pk)
    elif not selectors.contact_is_editable_by(contact, request.user):
        error = gettext("This contact is locked after 24 hours and can no longer be removed.")
    audit.mark(request, "view", contact, resident_id=pairing.resident_id)
    with timezone.override(selectors.house_zone(pairing)):
        return render(
            request,
            "activity_log/contact_remove.html",
            {"contact": contact, "pairing": pairing, "error": error},
            status=400 if error and request.method == "POST" else 200,
        )


@staff_or_mentor_required
def contact_addendum(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _get_contact_for_user(request, contact_id, change=True)
    pairing = contact.pairing
    form = AddendumForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_add_addendum(
                contact=contact, author=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            audit.mark(request, "change", contact, resident_id=pairing.resident_id)
            messages.success(request, gettext("Addendum added."))
            return redirect("activity_log:pairing_history", pairing_id=pairing.pk)
    audit.mark(request, "view", contact, resident_id=pairing.resident_id)
    with timezone.override(selectors.house_zone(pairing)):
        return render(
            request,
            "activity_log/contact_addendum.html",
            {
                "form": form,
                "contact": contact,
                "pairing": pairing,
                "show_goals": _shows_goals(request, pairing),
            },
        )


# --- History -----------------------------------------------------------------------------------


def _page(request: HttpRequest, contacts):
    return Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))


@staff_or_mentor_required
def pairing_history(request: HttpRequest, pairing_id: int) -> HttpResponse:
    """Every contact of one pairing, newest first (the mentor's view of their mentee's timeline)."""
    pairing = _get_pairing_for_user(request, pairing_id)
    contacts = selectors.timeline(
        ContactLog.objects.visible_to(request.user).filter(pairing=pairing)
    )
    page = _page(request, contacts)
    # A mentor's past relationship is read-only: no edit, remove or addendum links (the write
    # URLs answer 404 through ContactLog.objects.changeable_by).
    read_only = role_of(request.user) == Role.MENTOR and not pairing.is_current
    audit.mark(request, "view", pairing, resident_id=pairing.resident_id)
    with timezone.override(selectors.house_zone(pairing)):
        return render(
            request,
            "activity_log/pairing_history.html",
            {
                "pairing": pairing,
                "resident": pairing.resident,
                "page": page,
                "show_goals": _shows_goals(request, pairing),
                "editable_ids": None
                if read_only
                else {c.pk for c in page if selectors.contact_is_editable_by(c, request.user)},
                "is_own": pairing.mentor.user_id == request.user.pk,
                "is_current": pairing.is_current,
                "due": selectors.due_state(pairing.next_due_at, selectors.house_zone(pairing)),
            },
        )


@staff_or_mentor_required
def resident_timeline(request: HttpRequest, resident_id: int) -> HttpResponse:
    """The resident page's timeline slot (an htmx partial): every contact the user may see."""
    resident = resident_for(request.user, resident_id)
    contacts = selectors.timeline(
        ContactLog.objects.visible_to(request.user)
        # The house filter changes no result (it is the resident's own house); with the literal
        # id PostgreSQL stops scanning the house index for the resident (count 8 ms -> 2 ms).
        .filter(pairing__resident=resident, pairing__resident__house_id=resident.house_id)
    )
    page = _page(request, contacts)
    # Part of the resident page's visit when it carries its token: no second row.
    audit.mark_section(request, "view", resident, resident_id=resident.pk)
    if role_of(request.user) == Role.MENTOR:
        show_goals = selectors.mentor_sees_goals(request.user, resident)
    else:
        show_goals = True
    with timezone.override(resident.house.zone):
        return render(
            request,
            "activity_log/_resident_timeline.html",
            {"resident": resident, "page": page, "show_goals": show_goals},
        )


# --- My progress -------------------------------------------------------------------------------


@mentor_required
def my_progress(request: HttpRequest) -> HttpResponse:
    mentor = _get_own_mentor(request)
    today = timezone.localdate()
    total = hours.mentor_hours(mentor)
    by_month = hours.hours_by_month(mentor, today=today)
    form = CertificateForm(initial={"start": today.replace(month=1, day=1), "end": today})
    return render(
        request,
        "activity_log/my_progress.html",
        {
            "mentor": mentor,
            "total": total,
            "by_month": by_month,
            "max_month": max((m.total for m in by_month), default=0) or 1,
            "this_month": hours.contacts_this_month(mentor, today=today),
            "streak": hours.on_time_streak(mentor),
            "milestones": list(mentor.milestones.all()),
            "next_milestone": next((h for h in Milestone.HOURS if h > total.total), None),
            "form": form,
        },
    )


@mentor_required
def my_certificate(request: HttpRequest) -> HttpResponse:
    """A printable certificate of volunteer hours for a date range (the browser prints it)."""
    mentor = _get_own_mentor(request)
    form = CertificateForm(request.GET)
    if not form.is_valid():
        return render(request, "activity_log/certificate_form.html", {"form": form}, status=400)
    certificate = hours.certificate(
        mentor, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
    )
    return render(
        request,
        "activity_log/certificate.html",
        {"certificate": certificate, "issued_on": timezone.localdate()},
    )
