"""Matching pages for house managers and program admins (mentors get 404 on every one)."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from matching import selectors, services
from matching.forms import EndForm, IntervalForm, MentorSearchForm, PairForm, ReassignForm
from matching.models import Pairing
from matching.suggestions import resident_facts, search_mentors, suggest_mentors
from mentoring_site import audit
from mentoring_site.roles import staff_required
from mentoring_site.search import search_remember, search_term
from mentoring_site.shortcuts import visible_or_404
from mentors.selectors import mentor_for
from residents.models import Resident
from residents.selectors import resident_for

PAGE_SIZE = 25


def _get_pairing_for_user(request: HttpRequest, pk: int) -> Pairing:
    return visible_or_404(
        Pairing.objects.select_related("resident__house", "mentor__user", "created_by"),
        request.user,
        pk,
    )


def _search_key(resident: Resident) -> str:
    return f"matching_mentor_search_{resident.pk}"


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


# --- Partials on the resident and mentor pages -----------------------------------------------


@staff_required
def resident_pairings(request: HttpRequest, resident_id: int) -> HttpResponse:
    """htmx partial on the resident page: the current pairing, past pairings, or a way to pair."""
    resident = resident_for(request.user, resident_id)
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
    mentor = mentor_for(request.user, mentor_id)
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
    term = search_term(request, _search_key(resident))
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
    search_remember(request, _search_key(resident), MentorSearchForm(request.POST), "term")


def _suggest_page(
    request: HttpRequest,
    resident: Resident,
    context: dict,
    *,
    offer: bool,
    audited,
    exclude: tuple[int, ...] = (),
) -> HttpResponse:
    """The suggestions page, for pairing or reassigning: suggested mentors and the search when
    `offer`, else only the resident (why not is in `context`)."""
    if offer:
        context.update(_suggestions_context(request, resident, exclude=exclude))
    else:
        context["resident"] = resident
    audit.mark(request, "view", audited, resident_id=resident.pk)
    return render(request, "matching/suggest.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def suggest(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = resident_for(request.user, resident_id)
    if request.method == "POST":
        _remember_search(request, resident)
        return redirect("matching:suggest", resident_id=resident.pk)
    current = Pairing.objects.open().filter(resident=resident).first()
    if current and current.pause_reason == Pairing.PauseReason.MENTOR_UNAVAILABLE:
        return redirect("matching:reassign", pk=current.pk)
    context = {"current": current, "mode": "pair"}
    offer = current is None and resident.is_active
    return _suggest_page(request, resident, context, offer=offer, audited=resident)


@staff_required
@require_http_methods(["GET", "POST"])
def pair(request: HttpRequest, resident_id: int, mentor_id: int) -> HttpResponse:
    resident = resident_for(request.user, resident_id)
    mentor = mentor_for(request.user, mentor_id)
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
                _("%(name)s is now paired with %(mentor)s.")
                % {"name": resident.preferred_name, "mentor": mentor.user.display_first_name},
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


def _pairing_change(
    request: HttpRequest,
    pairing: Pairing,
    change: Callable[[], object],
    success: Callable[[], str],
    *,
    form: forms.Form | None = None,
    field: str | None = None,
) -> bool:
    """Runs `change` (a service call on `pairing`), audits it and shows `success()`; True then.

    A refusal (ValidationError) goes on `form`, beside `field`, or without a form into an error
    message on the next page. Pause, resume, the interval and ending all go through here.
    """
    try:
        change()
    except ValidationError as exc:
        if form is None:
            messages.error(request, " ".join(_errors(exc)))
        else:
            for message in _errors(exc):
                form.add_error(field, message)
        return False
    audit.mark(request, "change", pairing, resident_id=pairing.resident_id)
    messages.success(request, success())
    return True


def _pairing_status_view(change: Callable[..., object], success: str):
    """Pause and resume: a POST that runs `change(pairing=...)` and goes back to the pairing."""

    @staff_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        pairing = _get_pairing_for_user(request, pk)
        _pairing_change(request, pairing, lambda: change(pairing=pairing), lambda: str(success))
        return redirect("matching:detail", pk=pairing.pk)

    return view


pause = _pairing_status_view(
    services.pairing_pause,
    gettext_lazy("Pairing paused: no check-ins are due until it resumes."),
)
resume = _pairing_status_view(services.pairing_resume, gettext_lazy("Pairing resumed."))


@staff_required
@require_POST
def interval(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = _get_pairing_for_user(request, pk)
    form = IntervalForm(request.POST)
    if form.is_valid() and _pairing_change(
        request,
        pairing,
        lambda: services.pairing_change_interval(
            pairing=pairing, checkin_interval_days=form.cleaned_data["checkin_interval_days"]
        ),
        lambda: (
            ngettext(
                "Check-ins now every %(days)d day.",
                "Check-ins now every %(days)d days.",
                pairing.checkin_interval_days,
            )
            % {"days": pairing.checkin_interval_days}
        ),
        form=form,
        field="checkin_interval_days",
    ):
        return redirect("matching:detail", pk=pairing.pk)
    audit.mark(request, "view", pairing, resident_id=pairing.resident_id)
    return _render_detail(request, pairing, interval_form=form)


@staff_required
@require_http_methods(["GET", "POST"])
def end(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = _get_pairing_for_user(request, pk)
    if pairing.status == Pairing.Status.ENDED:
        messages.info(request, _("This pairing has already ended."))
        return redirect("matching:detail", pk=pairing.pk)
    form = EndForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _pairing_change(
            request,
            pairing,
            lambda: services.pairing_end(
                pairing=pairing, reason=form.cleaned_data["reason"], note=form.cleaned_data["note"]
            ),
            lambda: _("Pairing ended."),
            form=form,
        )
    ):
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
        messages.info(request, _("This pairing has ended: find a new mentor instead."))
        return redirect("matching:suggest", resident_id=resident.pk)
    context = {"current": pairing, "mode": "reassign", "pairing": pairing}
    return _suggest_page(
        request,
        resident,
        context,
        offer=resident.is_active,
        exclude=(pairing.mentor_id,),
        audited=pairing,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def reassign_to(request: HttpRequest, pk: int, mentor_id: int) -> HttpResponse:
    pairing = _get_pairing_for_user(request, pk)
    mentor = mentor_for(request.user, mentor_id)
    if pairing.status == Pairing.Status.ENDED:
        messages.info(request, _("This pairing has already ended."))
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
                _("%(name)s is now paired with %(mentor)s.")
                % {"name": new.resident.preferred_name, "mentor": mentor.user.display_first_name},
            )
            return redirect("matching:detail", pk=new.pk)
    audit.mark(request, "view", pairing, resident_id=pairing.resident_id)
    return render(
        request,
        "matching/reassign_to.html",
        {"pairing": pairing, "mentor": mentor, "form": form},
    )
