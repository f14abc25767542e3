"""Every link and button on the mentor's pages is at least 44x44 px at 375x812 (issue 21), so a
thumb hits it: My mentees (Call, History, Log contact, See your progress), the log form, Contact
saved, the history page (Edit, Remove, Add addendum), My progress, My training and Profile.

Excepted: links inside a sentence, where a 44 px box would break the line. Each is listed here
with the words around it, so a new one is a decision, not an accident."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.contacts import hours
from tests import factories as f
from tests.activity_log.contact_support import pairing_for

pytestmark = pytest.mark.browser

MIN = 44
# (page URL name, link text) of links that sit inside a sentence.
INLINE = {
    ("activity_log:contact_new", "988"),
    ("activity_log:contact_saved", "988"),
}

MEASURE = """() => [...document.querySelectorAll('#main a[href], #main button, #main label.btn')]
    .filter(el => el.offsetParent !== null && !el.closest('.visually-hidden'))
    .map(el => {
        const r = el.getBoundingClientRect();
        return {text: (el.innerText || el.getAttribute('aria-label') || '').trim(),
                width: Math.round(r.width * 10) / 10, height: Math.round(r.height * 10) / 10};
    })"""


@pytest.fixture
def pairing(mentor, house):
    resident = f.ResidentFactory(house=house, preferred_name="Robin", phone="555-0100")
    f.ConsentRecordFactory(resident=resident, shares_contact_details=True)  # shows "Call"
    pairing = pairing_for(mentor, house=house, resident=resident)
    # Eleven hours: past the 10-hour milestone, so My mentees shows "See your progress".
    for hours_ago, minutes in ((30, 600), (2, 60)):
        f.ContactLogFactory(
            pairing=pairing,
            created_by=mentor.user,
            happened_at=timezone.now() - dt.timedelta(hours=hours_ago),
            duration_minutes=minutes,
        )
    hours.milestones_record(mentor)
    return pairing


def small_targets(page, url_name):
    return [
        target
        for target in page.evaluate(MEASURE)
        if (target["width"] < MIN or target["height"] < MIN)
        and (url_name, target["text"]) not in INLINE
    ]


def test_every_mentor_page_has_thumb_sized_targets(
    page, live_server, login_browser, mentor, pairing
):
    contact = pairing.contacts.order_by("-happened_at").first()
    pages = [
        ("activity_log:my_mentees", []),
        ("activity_log:contact_new", [pairing.pk]),
        ("activity_log:contact_saved", [contact.pk]),
        ("activity_log:pairing_history", [pairing.pk]),
        ("activity_log:contact_edit", [contact.pk]),
        ("activity_log:contact_addendum", [contact.pk]),
        ("activity_log:my_progress", []),
        ("mentors:my_training", []),
        ("mentors:my_profile", []),
    ]
    login_browser(page, live_server, mentor.user)
    problems, seen = {}, set()
    for url_name, args in pages:
        response = page.goto(reverse(url_name, args=args))
        assert response.status == 200, url_name
        page.wait_for_load_state("networkidle")
        seen.update(target["text"] for target in page.evaluate(MEASURE))
        small = small_targets(page, url_name)
        if small:
            problems[url_name] = small
    assert {"Call", "History", "See your progress", "Edit", "Remove"} <= seen
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
