"""The demo tells the whole story with its own accounts (issue 21): manager@example.com admits a
resident, finds a mentor and pairs them with the demo mentor (who has a free place), and
mentor@example.com logs a contact with them on the phone."""

import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from mentoring_site.models import User
from residents.models import Resident
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def sign_in_as(page, live_server, login_browser, email: str):
    page.context.clear_cookies()
    return login_browser(page, live_server, User.objects.get(email=email))


def test_admit_find_a_mentor_pair_and_log_with_the_demo_accounts(
    page, live_server, login_browser, settings
):
    settings.DEBUG = True  # seed_demo refuses to run otherwise
    call_command("seed_demo")
    settings.DEBUG = False

    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in_as(page, live_server, login_browser, "manager@example.com")
    page.goto("/residents/new/")
    page.select_option("#id_house", label="Maple House")
    page.fill("#id_first_name", "Rosalind")
    page.fill("#id_last_name", "Quist")
    page.fill("#id_preferred_name", "Roz")
    page.fill("#id_move_in_date", timezone.localdate().isoformat())
    page.get_by_label("Spanish", exact=True).check()
    page.click("button:has-text('Admit resident')")
    page.wait_for_url("**/residents/*/")
    resident = Resident.objects.get(preferred_name="Roz")

    page.goto(f"/matching/residents/{resident.pk}/suggest/")
    sam = page.locator("#suggestions .suggestion", has_text="Sam Okafor")
    assert sam.count() == 1, "the demo mentor is not suggested"
    assert "3 of 4 places taken" in sam.inner_text()
    sam.get_by_role("link", name="Choose Sam").click()
    page.wait_for_url(re.compile(r"/matching/residents/\d+/pair/\d+/$"))
    page.get_by_role("button", name="Pair them").click()
    page.wait_for_url(re.compile(r"/matching/\d+/$"))
    assert "Roz is now paired with Sam." in page.locator(".messages").inner_text()

    page.set_viewport_size({"width": 375, "height": 812})
    sign_in_as(page, live_server, login_browser, "mentor@example.com")
    page.goto("/my/")
    card = page.locator(".mentee", has_text="Roz")
    card.get_by_role("link", name="Log contact").click()
    page.wait_for_url("**/log/")
    page.get_by_role("button", name="Save contact").click()
    page.wait_for_url("**/saved/")
    assert page.locator("h1").inner_text() == "Contact saved"
    assert "Next check-in due" in page.locator(".next-due").inner_text()
    screenshot(page, "demo-story-saved-phone")
    assert resident.pairings.get().contacts.count() == 1
