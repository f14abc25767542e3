"""The resident list's rows (built in residents.list_rows.resident_rows): every value escaped, the
legal name under the preferred one, the mentor, status, move-in date and days, in both languages."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f

pytestmark = pytest.mark.django_db

URL = reverse("residents:list")


def row_of(html: str, name: str) -> str:
    """The row of the resident called `name`, without the whitespace between tags."""
    start = html.index(f">{name}</a>")
    row = " ".join(html[html.rindex("<tr>", 0, start) : html.index("</tr>", start)].split())
    return re.sub(r"\s*(<|>)\s*", r"\1", row)


def test_a_row_escapes_names_and_shows_each_column(as_user, manager, house):
    moved_in = timezone.localdate() - dt.timedelta(days=10)
    resident = f.ResidentFactory(
        house=house,
        preferred_name="Al <b>",
        first_name="Alan & Co",
        last_name="O'Neil",
        move_in_date=moved_in,
    )
    mentor = f.ClearedMentorFactory(user__first_name="Sam <i>", user__last_name="Okafor")
    f.PairingFactory(mentor=mentor, resident=resident)
    html = as_user(manager).get(URL).content.decode()
    assert "<b>" not in html and "<i>" not in html
    row = row_of(html, "Al &lt;b&gt;")
    assert f'href="{reverse("residents:detail", args=[resident.pk])}"' in row
    assert '<span class="text-muted small d-block">Alan &amp; Co O&#x27;Neil</span>' in row
    assert f'<td data-label="House">{house.name}</td>' in row
    assert 'class="resident-mentor">Sam &lt;i&gt; Okafor</td>' in row
    assert '<span class="badge text-bg-success">Active</span>' in row
    assert f'<td data-label="Moved in">{moved_in:%b} {moved_in.day}, {moved_in.year}</td>' in row
    assert '<td data-label="Days in residence" class="text-end">10</td>' in row


def test_a_row_in_spanish(as_user, manager, house):
    manager.preferred_language = "es"
    manager.save(update_fields=["preferred_language"])
    f.ResidentFactory(
        house=house,
        preferred_name="Bea",
        first_name="Bea",
        last_name="Ruiz",
        move_in_date=dt.date(2026, 1, 26),
    )
    row = row_of(as_user(manager).get(URL).content.decode(), "Bea")
    assert '<span class="text-muted small d-block">Ruiz</span>' in row
    assert '<td data-label="Mentor/a" class="resident-mentor">' in row
    assert '<span class="text-muted">Ninguna todavía</span>' in row
    assert '<td data-label="Llegó">26 ene 2026</td>' in row
