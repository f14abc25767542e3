"""Reports page: figures for a date range and house, as a page, a printable page, a CSV for
staff and a de-identified CSV for funders. Every export is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from activity_log.reports import charts, figures_cache
from activity_log.reports.forms import ReportForm
from activity_log.reports.funder import Report, age_band_label, build_report
from activity_log.reports.scope import Period, scope_for, share
from mentoring_site import audit, csv_safe, page_cache
from mentoring_site.roles import is_admin, staff_required
from residents.models import House

DEFAULT_DAYS = 30
SMALL = 5


def _report_for_request(request: HttpRequest, houses: list[House] | None = None):
    """(form, report or None, house name or None). The form says what was wrong, if anything."""
    if houses is None:
        houses = list(House.objects.visible_to(request.user))
    data = request.GET.copy()
    if not data.get("start") and not data.get("end"):
        # No range chosen yet: the last 30 days.
        today = timezone.localdate()
        data["start"] = (today - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        data["end"] = today.isoformat()
    form = ReportForm(data, houses=houses)
    if not form.is_valid():
        return form, None, None
    house_id = form.cleaned_data["house"]
    scope = scope_for(request.user, house_id, houses, all_houses=is_admin(request.user))
    period = Period(form.cleaned_data["start"], form.cleaned_data["end"])
    # The slow figures from the cache when nothing they count was written since (figures_cache).
    stable, groups = figures_cache.report_figures(scope, period)
    report = build_report(scope, period, stable=stable)
    report.groups = groups
    house_name = next((h.name for h in houses if h.pk == house_id), None)
    return form, report, house_name


def _query(form: ReportForm) -> str:
    data = {k: form.data.get(k, "") for k in ("start", "end", "house") if form.data.get(k)}
    return urlencode(data)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def _decimal(value, places: int = 1) -> str:
    """A number in the page's language (US separators in English and Spanish alike)."""
    return formats.number_format(value, places, use_l10n=True)


def _duration(value: dt.timedelta | None) -> str:
    if value is None:
        return "—"
    hours = value.total_seconds() / 3600
    if hours < 48:
        return _("%(hours)s hours") % {"hours": _decimal(hours)}
    return _("%(days)s days") % {"days": _decimal(hours / 24)}


ALL_HOUSES = gettext_lazy("All houses in your scope")


def _context(form: ReportForm, report: Report | None, house_name: str | None) -> dict:
    context = {
        "form": form,
        "report": report,
        "house_name": house_name or ALL_HOUSES,
        "query": _query(form),
    }
    if report is not None:
        context.update(
            method_chart=charts.bar_chart(report.by_method, title=_("Contacts by method")),
            topic_chart=charts.bar_chart(report.by_topic[:12], title=_("Contacts by topic"))
            if report.by_topic
            else None,
            mentored_share=_pct(report.mentored_share),
            on_time_share=_pct(report.on_time["share"]),
            median_acknowledge=_duration(report.median_acknowledge),
        )
    return context


@staff_required
def report(request: HttpRequest) -> HttpResponse:
    houses = list(House.objects.visible_to(request.user))

    def render_body(csrf_token: str) -> tuple[str, None]:
        form, found, house_name = _report_for_request(request, houses)
        context = _context(form, found, house_name) | {"csrf_token": csrf_token}
        return render_to_string("activity_log/_reports_body.html", context, request=request), None

    # Kept (mentoring_site/page_cache.py) per user and query while nothing in the houses one may
    # see (read above, on every request) is written; missed check-ins can lag the clock by at
    # most PAGE_CACHE_SECONDS, as on the dashboard.
    body, _none = page_cache.part(
        request,
        "reports",
        keys=None if is_admin(request.user) else tuple(house.pk for house in houses),
        vary=(request.GET.urlencode(),),
        render=render_body,
    )
    audit.mark(request, "view", "report")
    return render(request, "activity_log/reports.html", {"body": body})


@staff_required
def report_print(request: HttpRequest) -> HttpResponse:
    form, found, house_name = _report_for_request(request)
    if found is None:
        return redirect(f"{reverse('activity_log:reports')}?{_query(form)}")
    audit.mark(request, "export", "report", resident_id=None)
    return render(request, "activity_log/reports_print.html", _context(form, found, house_name))


def _csv_response(filename: str, rows: list[list]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Names (houses, topics) are typed by people: no cell may start a spreadsheet formula.
    csv_safe.writer(response).writerows(rows)
    return response


def _filename(kind: str, period: Period) -> str:
    return f"{kind}-{period.start.isoformat()}-to-{period.end.isoformat()}.csv"


def _report_export(
    request: HttpRequest,
    kind: str,
    *,
    about: Callable[[str | None], list],
    value: Callable,
    extra: Callable[[Report], list] = lambda found: [],
) -> HttpResponse:
    """Both CSV exports: the scope rows (the third from `about(house_name)`), every figure through
    `value`, then `extra(report)` rows."""
    form, found, house_name = _report_for_request(request)
    if found is None:
        return redirect(f"{reverse('activity_log:reports')}?{_query(form)}")
    audit.mark(request, "export", "report", resident_id=None)
    # In the requesting user's language: the response is built here, inside the request.
    rows = [
        _header(),
        [_("scope"), _("from"), found.period.start.isoformat()],
        [_("scope"), _("to"), found.period.end.isoformat()],
        about(house_name),
    ]
    rows += _figure_rows(found, value)
    rows += extra(found)
    return _csv_response(_filename(kind, found.period), rows)


@staff_required
def report_csv(request: HttpRequest) -> HttpResponse:
    return _report_export(
        request,
        "program-report",
        about=lambda house_name: [_("scope"), _("houses"), house_name or str(ALL_HOUSES)],
        value=exact,
    )


@staff_required
def report_funder_csv(request: HttpRequest) -> HttpResponse:
    """De-identified: only counts and shares, ages banded, counts 1 to 4 shown as "<5"."""
    return _report_export(
        request,
        "funder-report",
        about=lambda _house: [
            _("scope"),
            _("note"),
            _("De-identified: counts from 1 to 4 are shown as <5."),
        ],
        value=suppressed,
        extra=lambda found: [
            [_("residents served by age band"), age_band_label(band), suppressed(n)]
            for band, n in found.age_bands
        ],
    )


# --- Figures as rows, exact or with small counts suppressed ---------------------------------
# Written in the requesting user's language (the response is built inside the request, so the
# language LocaleMiddleware / UserLanguageMiddleware chose is active). Numbers as plain digits
# with a "." decimal point, so spreadsheets read them the same in either language.


def _header() -> list[str]:
    return [_("section"), _("measure"), _("value")]


def exact(n: int) -> str:
    return str(n)


def suppressed(n: int) -> str:
    """Counts from 1 to 4 could point at a person: shown as "<5"."""
    return "<5" if 0 < n < SMALL else str(n)


def _share(part: int, whole: int, count) -> str:
    """A share, unless its parts are small enough to be suppressed (then "suppressed")."""
    if count is suppressed and (whole < SMALL or 0 < part < SMALL or 0 < whole - part < SMALL):
        return _("suppressed (small numbers)")
    return _pct(share(part, whole))


def _figure_rows(r: Report, count) -> list[list[str]]:
    on_time = r.on_time
    due = on_time["made"] + on_time["missed"]
    residents, contacts, hours = _("residents"), _("contacts"), _("hours")
    checkins, urgent = _("check-ins"), _("urgent concerns")
    rows = [
        [residents, _("residents served"), count(r.residents_served)],
        [residents, _("residents with a mentor"), count(r.residents_mentored)],
        [
            residents,
            _("share with a mentor"),
            _share(r.residents_mentored, r.residents_served, count),
        ],
        [contacts, _("contacts logged"), count(r.contacts_total)],
    ]
    rows += [[_("contacts by method"), str(label), count(n)] for label, n in r.by_method]
    rows += [[_("contacts by topic"), str(label), count(n)] for label, n in r.by_topic]
    rows += [
        [hours, _("contact hours"), str(r.contact_hours)],
        [hours, _("training hours"), str(r.training_hours)],
        [hours, _("volunteer hours"), str(r.hours_total)],
        [checkins, _("check-ins due"), count(due)],
        [checkins, _("made on time"), count(on_time["on_time"])],
        [checkins, _("on-time share"), _share(on_time["on_time"], due, count)],
        [urgent, _("raised"), count(r.urgent_raised)],
        [urgent, pgettext("urgent concerns", "acknowledged"), count(r.urgent_acknowledged)],
        [
            urgent,
            _("median time to acknowledge"),
            _("suppressed (small numbers)")
            if count is suppressed and 0 < r.urgent_acknowledged < SMALL
            else _duration(r.median_acknowledge),
        ],
    ]
    for group in r.exits:
        stay = "—" if group.average_stay_days is None else f"{group.average_stay_days}"
        if count is suppressed and 0 < group.count < SMALL:
            stay = _("suppressed (small numbers)")
        names = {"exit": group.label}
        if group.mentored:
            exit_name = _("%(exit)s, with a mentor") % names
            stay_name = _("%(exit)s, with a mentor: average days of stay") % names
        else:
            exit_name = _("%(exit)s, without a mentor") % names
            stay_name = _("%(exit)s, without a mentor: average days of stay") % names
        rows.append([_("exits"), exit_name, count(group.count)])
        rows.append([_("exits"), stay_name, stay])
    rows += r.groups.rows(count, lambda part, whole: _share(part, whole, count))
    rows.append([_("goals"), _("goals achieved"), count(r.goals_achieved)])
    rows += [
        [_("goals achieved by category"), str(label), count(n)] for label, n in r.goals_by_category
    ]
    return rows
