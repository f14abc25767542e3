"""The resident list's table rows and house filter options, drawn in Python.

25 rows of a dozen template lookups each were most of the list's time (docs/performance.md), so
the view hands the template finished HTML. Every value is escaped here, as the template would;
tests/residents/test_list_rows.py checks the escaping and the columns in English and Spanish.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from html import escape as _html

from django.template.defaultfilters import date as date_filter
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from mentoring_site.links import id_url_of
from residents.models import Resident


def house_options(houses: list[tuple[int, str]], selected: int | None) -> str:
    """The house filter's <option>s, the chosen one selected: one string rather than a template
    loop (an admin sees every house). The ids are ints; the names are escaped."""
    return mark_safe(  # noqa: S308
        "\n".join(
            f'<option value="{int(pk)}"{" selected" if pk == selected else ""}>{escape(name)}</option>'
            for pk, name in houses
        )
    )


ROW_HTML = """<tr>
  <td>
    <a class="fw-semibold" href="{url}">{preferred_name}</a>
    <span class="text-muted small d-block">{second_name}</span>
  </td>
  <td data-label="{house_label}">{house}</td>
  <td data-label="{mentor_label}" class="resident-mentor">{mentor}</td>
  <td data-label="{status_label}">
    <span class="badge {badge}">{status}</span>
  </td>
  <td data-label="{moved_in_label}">{moved_in}</td>
  <td data-label="{days_label}" class="text-end">{days}</td>
</tr>"""


@functools.lru_cache(maxsize=4096)
def _date_text(language: str, date_format: str, day: dt.date) -> str:
    """`day|date:date_format` in `language` (the active one), escaped: the same words each time,
    so worked out once per process (a row's date filter was a third of the row's time)."""
    return escape(date_filter(day, date_format))


@functools.lru_cache(maxsize=8)
def _row_words(language: str) -> tuple[dict[str, str], dict[str, str], str, str]:
    """The rows' fixed words in `language` (the active one), escaped: column labels, status
    words, "None yet", the date format. Catalogues do not change while the process runs."""
    labels = {
        "house_label": escape(_("House")),
        "mentor_label": escape(_("Mentor")),
        "status_label": escape(_("Status")),
        "moved_in_label": escape(_("Moved in")),
        "days_label": escape(_("Days in residence")),
    }
    status_labels = {value: escape(label) for value, label in Resident.Status.choices}
    no_mentor = format_html('<span class="text-muted">{}</span>', _("None yet"))
    return labels, status_labels, no_mentor, pgettext("date format", "M j, Y")


def resident_rows(residents: list[Resident], today: dt.date, house_names: dict[int, str]) -> str:
    """The resident list's table rows (residents/list.html), built here: 25 rows of a dozen
    template lookups each were most of the page's time. On a phone each row stacks into a card
    labelled by its data-label (site.css .table-stack). Every value is escaped here, as the
    template would (`html.escape`, which Django's `escape` wraps); the labels, status words and
    house names once, the rest per row."""
    detail_url = id_url_of("residents:detail")
    language = get_language()
    labels, status_labels, no_mentor, date_format = _row_words(language)
    # Houses out of the user's sight cannot be in their list; "" if one were.
    houses = defaultdict(str, {pk: _html(name) for pk, name in house_names.items()})
    rows = []
    for r in residents:
        rows.append(
            ROW_HTML.format(
                url=_html(detail_url(r.pk)),
                preferred_name=_html(r.preferred_name),
                # The legal name under the preferred one: the surname alone when they match.
                second_name=_html(r.full_name if r.preferred_name != r.first_name else r.last_name),
                house=houses[r.house_id],
                mentor=no_mentor
                if r.mentor_first_name is None
                else _html(f"{r.mentor_first_name} {r.mentor_last_name}"),
                badge="text-bg-success" if r.is_active else "text-bg-secondary",
                status=status_labels.get(r.status) or _html(r.status),
                moved_in=_date_text(language, date_format, r.move_in_date),
                days=r.days_in_residence(today),
                **labels,
            )
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (every value above is escaped)
