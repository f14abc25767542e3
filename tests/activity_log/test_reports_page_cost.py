"""The reports page draws its three fields by hand (no template per field or per house)."""

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_page_renders_a_handful_of_templates_whatever_the_houses(as_user, program_admin):
    for i in range(12):
        f.HouseFactory(name=f"House {i}")
    response = as_user(program_admin).get(
        reverse("activity_log:reports"), {"start": "2026-11-01", "end": "2026-10-01", "house": ""}
    )
    names = [t.name for t in response.templates]
    # The page, its body (kept by the page cache), the form's fields, the feedback link, the
    # layout and the menu.
    assert len(names) <= 6, names
    html = response.content.decode()
    assert html.count("<option") == 13
    assert 'value="2026-10-01"' in html and "is-invalid" in html
    assert "The end date must be on or after the start date." in html
