"""Matching pages for house managers and program admins (mentors get 404 on every one)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from matching import selectors, services
from matching.forms import EndForm, IntervalForm, MentorSearchForm, PairForm, ReassignForm
from matching.models import Pairing
from matching.suggestions import resident_facts, search_mentors, suggest_mentors
from mentoring_site import audit
from mentoring_site.roles import staff_required
from mentors.models import Mentor
from residents.models import Resident

PAGE_SIZE = 25


def _get_resident_for_user(request: HttpRequest, resident_id: int) -> Resident:
    try:
        return Resident.objects.visible_to(request.user).select_related("house").get(pk=resident_id)
    except Resident.DoesNotExist:
        raise Http404 from None


def _get_mentor_for_user(request: HttpRequest, mentor_id: int) -> Mentor:
    try:
        return Mentor.objects.visible_to(request.user).select_related("user").get(pk=mentor_id)
    except Mentor.DoesNotExist:
        raise Http404 from None


def _get_pairing_for_user(request: HttpRequest, pk: int) -> Pairing:
    try:
        return (
            Pairing.objects.visible_to(request.user)
            .select_related("resident__house", "mentor__user", "created_by")
            .get(pk=pk)
        )
    except Pairing.DoesNotExist:
        raise Http404 from None


def _search_key(resident: Resident) -> str:
    return f"matching_mentor_search_{resident.pk}"


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


# --- Partials on the resident and mentor pages -----------------------------------------------


@staff_required
def resident_pairings(request: HttpRequest, resident_id: int) -> HttpResponse:
    """htmx partial on the resident page: the current pairing, past pairings, or a way to pair."""
    resident = _get_resident_for_user(request, resident_id)
    pairings = selectors.resident_pairings(resident)
    current = next((p for p in pairings if p.status != Pairing.Status.ENDED), None)
    past = [p for p in pairings if p.status == Pairing.Status.ENDED]
    audit.mark_section(request, "view", resident, resident_id=resident.pk)
    return render(
        request,
        "matching/_resident_pairings.html",
        {"resident": resident, "current": current, "past": past, "now": timezone.now()},
    )


@staff_required
def mentor_pairings(request: HttpRequest, mentor_id: int) -> HttpResponse:
    """htmx partial on the mentor page: their mentees in the user's houses."""
    mentor = _get_mentor_for_user(request, mentor_id)
    pairings = selectors.mentor_pairings(mentor, request.user)
    page = Paginator(pairings, PAGE_SIZE).get_page(request.GET.get("page"))
    audit.mark(request, "view", mentor)
    return render(
        request,
        "matching/_mentor_pairings.html",
        {
            "mentor": mentor,
            "page": page,
            "active_count": selectors.active_mentee_count(mentor),
            "now": timezone.now(),
        },
    )


# --- The waiting queue -----------------------------------------------------------------------


@staff_required
def waiting(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.waiting_queue(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    audit.mark(request, "view", "matching.waiting_queue")
    return render(request, "matching/waiting.html", {"page": page, "today": timezone.localdate()})


# --- Suggestions and pairing -----------------------------------------------------------------


def _suggestions_context(
    request: HttpRequest, resident: Resident, *, exclude: tuple[int, ...] = ()
) -> dict:
    term = request.session.get(_search_key(resident), "")
    facts = resident_facts(resident)
    return {
        "resident": resident,
        "suggestions": suggest_mentors(resident, exclude_mentor_ids=exclude, facts=facts),
        "search_form": MentorSearchForm(initial={"term": term}),
        "search_term": term,
        "results": (
            search_mentors(resident, term, exclude_mentor_ids=exclude, facts=facts)
            if term
            else None
        ),
    }


def _remember_search(request: HttpRequest, resident: Resident) -> None:
    """Names never go into URLs: the term is POSTed, kept in the session, and the page reloads."""
    form = MentorSearchForm(request.POST)
    term = form.cleaned_data["term"].strip() if form.is_valid() else ""
    if term:
        request.session[_search_key(resident)] = term
    else:
        request.session.pop(_search_key(resident), None)


@staff_required
@require_http_methods(["GET", "POST"])
def suggest(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = _get_resident_for_user(request, resident_id)
    if request.method == "POST":
        _remember_search(request, resident)
        return redirect("matching:suggest", resident_id=resident.pk)
    current = Pairing.objects.open().filter(resident=resident).first()
    if current and current.pause_reason == Pairing.PauseReason.MENTOR_UNAVAILABLE:
        return redirect("matching:reassign", pk=current.pk)
    context = {"current": current, "mode": "pair"}
    if current is None and resident.is_active:
        context.update(_suggestions_context(request, resident))
    else:
        context["resident"] = resident
    audit.mark(request, "view", resident, resident_id=resident.pk)
    return render(request, "matching/suggest.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def pair(request: HttpRequest, resident_id: int, mentor_id: int) -> HttpResponse:
    resident = _get_resident_for_user(request, resident_id)
    mentor = _get_mentor_for_user(request, mentor_id)
    form = PairForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pairing = services.pairing_create(
                resident=resident,
                mentor=mentor,
                created_by=request.user,
                checkin_interval_days=form.cleaned_data["checkin_interval_days"],
            )
        except ValidationError as exc:
            repeat = Pairing.objects.open().filter(resident=resident, mentor=mentor).first()
            if repeat is not None:
                # A double submit: the first request already made this very pairing.
                return redirect("matching:detail", pk=repeat.pk)
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            audit.mark(request, "create", pairing, resident_id=resident.pk)
            messages.success(
                request,
                f"{resident.preferred_name} is now paired with {mentor.user.display_first_name}.",
            )
            return redirect("matching:detail", pk=pairing.pk)
    audit.mark(request, "view", resident, resident_id=resident.pk)
    return render(
        request,
        "matching/pair.html",
        {"resident": resident, "mentor": mentor, "form": form},
    )


# --- One pairing -----------------------------------------------------------------------------


def _render_detail(
    request: HttpRequest, pairing: Pairing, *, interval_form: IntervalForm | None = None
) -> HttpResponse:
    history = [p for p in selectors.resident_pairings(pairing.resident) if p.pk != pairing.pk]
    interval_form = interval_form or IntervalForm(
        initial={"checkin_interval_days": pairing.checkin_interval_days}
    )
    return render(
        request,
        "matching/detail.html",
        {
            "pairing": pairing,
            "history": history,
            "interval_form": interval_form,
            "now": timezone.now(),
            # The mentor's "new mentee" notice (activity_log's outbox, through the reverse
            # relation: matching does not import activity_log): sent, or waiting.
            "mentor_notice": pairing.reminders.filter(kind="new_mentee")
            .order_by("created_at")
            .only("sent_at", "send_after", "failed_at", "created_at")
            .first(),
        },
    )


@staff_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = _get_pairing_for_user(request, pk)
    audit.mark(request, "view", pairing, resident_id=pairing.resident_id)
    return _render_detail(request, pairing)


@staff_required
@require_POST
def pause(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = _get_pairing_for_user(request, pk)
    try:
        services.pairing_pause(pairing=pairing)
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    else:
        audit.mark(request, "change", pairing, resident_id=pairing.resident_id)
        messages.success(request, "Pairing paused: no check-ins are due until it resumes.")
    return redirect("matching:detail", pk=pairing.pk)


@staff_required
@require_POST
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = _get_pairing_for_user(request, pk)
    try:
        services.pairing_resume(pairing=pairing)
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    else:
        audit.mark(request, "change", pairing, resident_id=pairing.resident_id)
        messages.success(request, "Pairing resumed.")
    return redirect("matching:detail", pk=pairing.pk)


@staff_required
@require_POST
def interval(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = _get_pairing_for_user(request, pk)
    form = IntervalForm(request.POST)
    if form.is_valid():
        try:
            services.pairing_change_interval(
                pairing=pairing, checkin_interval_days=form.cleaned_data["checkin_interval_days"]
            )
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error("checkin_interval_days", message)
        else:
            audit.mark(request, "change", pairing, resident_id=pairing.resident_id)
            messages.success(request, f"Check-ins now every {pairing.checkin_interval_days} days.")
            return redirect("matching:detail", pk=pairing.pk)
    audit.mark(request, "view", pairing, resident_id=pairing.resident_id)
    return _render_detail(request, pairing, interval_form=form)


@staff_required
@require_http_methods(["GET", "POST"])
def end(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = _get_pairing_for_user(request, pk)
    if pairing.status == Pairing.Status.ENDED:
        messages.info(request, "This pairing has already ended.")
        return redirect("matching:detail", pk=pairing.pk)
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pairing_end(
                pairing=pairing,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            audit.mark(request, "change", pairing, resident_id=pairing.resident_id)
            messages.success(request, "Pairing ended.")
            return redirect("matching:detail", pk=pairing.pk)
    audit.mark(request, "view", pairing, resident_id=pairing.resident_id)
    return render(request, "matching/end.html", {"pairing": pairing, "form": form})


@staff_required
@require_http_methods(["GET", "POST"])
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """Suggestions for another mentor; choosing one leads to `reassign_to`."""
    pairing = _get_pairing_for_user(request, pk)
    resident = pairing.resident
    if request.method == "POST":
        _remember_search(request, resident)
        return redirect("matching:reassign", pk=pairing.pk)
    if pairing.status == Pairing.Status.ENDED:
        messages.info(request, "This pairing has ended: find a new mentor instead.")
        return redirect("matching:suggest", resident_id=resident.pk)
    context = {"current": pairing, "mode": "reassign", "pairing": pairing}
    if resident.is_active:
        context.update(_suggestions_context(request, resident, exclude=(pairing.mentor_id,)))
    else:
        context["resident"] = resident
    audit.mark(request, "view", pairing, resident_id=resident.pk)
    return render(request, "matching/suggest.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def reassign_to(request: HttpRequest, pk: int, mentor_id: int) -> HttpResponse:
    pairing = _get_pairing_for_user(request, pk)
    mentor = _get_mentor_for_user(request, mentor_id)
    if pairing.status == Pairing.Status.ENDED:
        messages.info(request, "This pairing has already ended.")
        return redirect("matching:detail", pk=pairing.pk)
    unavailable = pairing.pause_reason == Pairing.PauseReason.MENTOR_UNAVAILABLE
    form = ReassignForm(
        request.POST or None,
        initial={
            "reason": Pairing.EndReason.MENTOR_UNAVAILABLE if unavailable else "",
            "checkin_interval_days": pairing.checkin_interval_days,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            new = services.pairing_reassign(
                pairing=pairing,
                mentor=mentor,
                created_by=request.user,
                end_reason=form.cleaned_data["reason"],
                end_note=form.cleaned_data["note"],
                checkin_interval_days=form.cleaned_data["checkin_interval_days"],
            )
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            audit.mark(request, "create", new, resident_id=new.resident_id)
            messages.success(
                request,
                f"{new.resident.preferred_name} is now paired with "
                f"{mentor.user.display_first_name}.",
            )
            return redirect("matching:detail", pk=new.pk)
    audit.mark(request, "view", pairing, resident_id=pairing.resident_id)
    return render(
        request,
        "matching/reassign_to.html",
        {"pairing": pairing, "mentor": mentor, "form": form},
    )
