"""A real browser opening a resident page (which loads its sections with htmx) leaves one audit
row for the visit, and "Who accessed this record" names what was viewed (issue 21)."""

import pytest
from django.urls import reverse

from mentoring_site.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", [(375, 812), (1366, 900)], ids=["phone", "desktop"])
def test_one_visit_one_row(page, live_server, login_browser, manager, house, size):
    resident = f.ResidentFactory(house=house)
    f.PairingFactory(resident=resident)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    login_browser(page, live_server, manager)
    page.goto(reverse("residents:detail", args=[resident.pk]))
    page.wait_for_load_state("networkidle")
    # Every section loaded (their content replaced the "Loading" placeholders).
    assert page.get_by_text("Loading").count() == 0
    paths = list(AuditEvent.objects.filter(resident_id=resident.pk).values_list("path", flat=True))
    assert len(paths) == 1, paths
    access = page.locator("#access-log").inner_text()
    assert "viewed resident page" in access
    assert access.count("viewed") == 1
