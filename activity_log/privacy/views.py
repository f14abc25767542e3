"""Privacy pages: who accessed a resident's record, the admin audit search, retention."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from activity_log.privacy import retention
from mentoring_site import audit, csv_safe
from mentoring_site.roles import admin_required, staff_required
from mentoring_site.shortcuts import visible_or_404
from residents.models import EARLIEST_DATE, Resident

PAGE_SIZE = 25


@staff_required
def resident_access(request: HttpRequest, resident_id: int) -> HttpResponse:
    """The resident page's "Who accessed this record" slot (htmx partial, paginated).

    Not audited itself: it shows the trail, not the record, and would flood the trail it shows.
    """
    resident = visible_or_404(Resident.objects.only("id", "house_id"), request.user, resident_id)
    page = Paginator(audit.events_for_resident(resident.pk), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "privacy/_resident_access.html", {"resident_id": resident.pk, "page": page}
    )


class AuditSearchForm(forms.Form):
    user_email = forms.EmailField(label=_("User's email"), required=False, max_length=254)
    resident_id = forms.IntegerField(label=_("Resident id"), required=False, min_value=1)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        today = timezone.localdate()
        for name in ("date_from", "date_to"):
            value = data.get(name)
            if value and value < EARLIEST_DATE:
                self.add_error(
                    name,
                    gettext("Enter a date on or after %(date)s.")
                    % {
                        "date": formats.date_format(
                            EARLIEST_DATE, pgettext("date format", "F j, Y")
                        )
                    },
                )
            elif value and value > today:
                self.add_error(name, gettext("This date cannot be in the future."))
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", gettext("The end date is before the start date."))
        return data


def _searched_events(form: AuditSearchForm):
    if not form.is_valid():
        return None
    return audit.search_events(
        user_email=form.cleaned_data["user_email"] or "",
        resident_id=form.cleaned_data["resident_id"],
        date_from=form.cleaned_data["date_from"],
        date_to=form.cleaned_data["date_to"],
    )


@admin_required
def audit_search(request: HttpRequest) -> HttpResponse:
    """Admins: who did what, filtered by user, resident id and dates (GET: no names in it)."""
    form = AuditSearchForm(request.GET or None)
    events = _searched_events(form) if request.GET else audit.search_events()
    page = None
    if events is not None:
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "privacy/audit_search.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@admin_required
def audit_export(request: HttpRequest) -> HttpResponse:
    """The same search as CSV, streamed so a year of rows does not sit in memory."""
    form = AuditSearchForm(request.GET)
    events = _searched_events(form)
    if events is None:
        return redirect("activity_log:audit_search")
    # Rows up to now: the row this export adds is written while the file streams.
    events = events.filter(at__lte=timezone.now())
    resident_id = form.cleaned_data["resident_id"]
    audit.mark(request, "export", "mentoring_site.auditevent", resident_id=resident_id)
    # Emails and paths are typed by people: no cell may start a spreadsheet formula.
    writer = csv_safe.writer(_Echo())
    header = ["time", "user", "action", "object_type", "object_id", "resident_id", "ip", "path"]

    def rows():
        yield writer.writerow(header)
        for event in events.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    timezone.localtime(event.at).isoformat(),
                    event.user.email if event.user else "system",
                    event.action,
                    event.object_type,
                    event.object_id,
                    event.resident_id or "",
                    event.ip or "",
                    event.path,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response


class AnonymiseEarlyForm(forms.Form):
    resident_id = forms.IntegerField(label=_("Resident id"), min_value=1, max_value=2**62)


@admin_required
def retention_due(request: HttpRequest) -> HttpResponse:
    """What the daily task will anonymise next: ids, houses and exit dates, no names.

    A resident id typed into the "anonymise early" box opens that resident's confirmation page.
    """
    early = AnonymiseEarlyForm(request.GET or None)
    if request.GET.get("resident_id") is not None and early.is_valid():
        return redirect("activity_log:retention_run", resident_id=early.cleaned_data["resident_id"])
    due = (
        retention.residents_due()
        .select_related("house")
        .only("id", "status", "exit_date", "house__name")
    )
    page = Paginator(due, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "privacy/retention_due.html",
        {"page": page, "cutoff": retention.retention_cutoff(), "early": early},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def retention_run(request: HttpRequest, resident_id: int) -> HttpResponse:
    """Anonymise one resident now (e.g. on their request), after a confirmation page."""
    resident = visible_or_404(Resident.objects.only("id", "house_id"), request.user, resident_id)
    resident = Resident.objects.only("id", "status", "exit_date", "anonymised_at").get(
        pk=resident.pk
    )
    error = ""
    if request.method == "POST":
        try:
            retention.resident_anonymise(resident=resident)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            audit.mark(request, "delete", resident, resident_id=resident.pk)
            messages.success(
                request, gettext("Resident #%(number)s was anonymised.") % {"number": resident.pk}
            )
            return redirect("activity_log:retention_due")
    return render(
        request,
        "privacy/retention_confirm.html",
        {"resident": resident, "error": error},
        status=400 if error else 200,
    )
