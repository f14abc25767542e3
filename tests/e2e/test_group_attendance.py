"""A facilitating mentor on a phone (375x812): Today on the home screen, then attendance by
tapping chips, a guest count and a note; a draft survives a reload; a lost answer saves once."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.models import Attendance, GroupSession
from tests import factories as f
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def session(mentor, house):
    for name in ("Robin", "Casey", "Alex"):
        f.ResidentFactory(house=house, preferred_name=name)
    # Begun half an hour ago, but never before today's midnight: "Today" lists today's sessions
    # (between 00:00 and 00:30 house time, half an hour ago was yesterday).
    now = timezone.localtime().replace(second=0, microsecond=0)
    start = max(now - dt.timedelta(minutes=30), now.replace(hour=0, minute=0))
    return f.GroupSessionFactory(
        house=house, title="Job search skills", starts_at=start, facilitator_mentors=[mentor]
    )


def _no_overflow(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is wider than the phone: {width}px"


def test_a_facilitator_takes_attendance_from_today(
    page, live_server, login_browser, mentor, session
):
    login_browser(page, live_server, mentor.user)
    page.goto("/my/")
    page.get_by_role("link", name="Take attendance").click()
    page.wait_for_url(f"**/groups/{session.pk}/attendance/")
    _no_overflow(page)
    page.locator("label.chip", has_text="Robin").click()
    page.locator("label.chip", has_text="Casey").click()
    page.fill("input[name=guests]", "2")
    page.fill("textarea[name=note]", "Practised interview answers")
    screenshot(page, "groups-attendance")
    page.get_by_role("button", name="Save attendance").click()
    page.wait_for_url("**/attendance/saved/")
    session.refresh_from_db()
    names = set(
        Attendance.objects.filter(session=session).values_list(
            "resident__preferred_name", flat=True
        )
    )
    assert names == {"Robin", "Casey"}
    assert (session.guests, session.attendance_note) == (2, "Practised interview answers")
    assert page.evaluate(f"window.localStorage.getItem('attendance-draft:{session.pk}')") is None
    assert page.console_errors == []


def test_a_draft_survives_a_reload_and_a_lost_answer_saves_once(
    page, live_server, login_browser, mentor, session
):
    login_browser(page, live_server, mentor.user)
    url = reverse("groups:attendance", args=[session.pk])
    page.goto(url)
    page.locator("label.chip", has_text="Alex").click()
    page.reload()
    assert page.locator("[data-draft-note]").is_visible()
    assert page.locator("input[name=residents]:checked").count() == 1

    def lose_the_answer(route):
        route.fetch()  # the server saves...
        route.abort("internetdisconnected")  # ...but the phone never hears back

    page.route(f"**{url}", lose_the_answer)
    page.get_by_role("button", name="Save attendance").click()
    page.wait_for_url("chrome-error://**")
    page.unroute(f"**{url}")
    assert Attendance.objects.filter(session=session).count() == 1
    page.goto(url)  # the server's list is shown: Alex, as saved
    assert page.locator("input[name=residents]:checked").count() == 1
    page.get_by_role("button", name="Save attendance").click()
    page.wait_for_url("**/attendance/saved/")
    assert Attendance.objects.filter(session=session).count() == 1
    assert GroupSession.objects.get(pk=session.pk).attendance_taken_at is not None
    assert page.evaluate(f"window.localStorage.getItem('attendance-draft:{session.pk}')") is None


def test_the_attendance_screen_weighs_under_100_kb_with_a_full_house(
    page, live_server, login_browser, mentor, house, session
):
    from tests.e2e.test_log_contact import _first_load_bytes

    budget_bytes = 100 * 1024
    f.ResidentFactory.create_batch(40, house=house)
    login_browser(page, live_server, mentor.user)
    # With the service worker and manifest, as the mentor's other phone pages.
    sizes = _first_load_bytes(page, live_server, reverse("groups:attendance", args=[session.pk]))
    names, total = list(sizes), sum(sizes.values())
    assert page.locator("label.chip").count() == 43
    _no_overflow(page)
    print(
        f"attendance (43 residents): {total / 1024:.1f} KB compressed over {len(names)} responses"
    )
    assert total <= budget_bytes
