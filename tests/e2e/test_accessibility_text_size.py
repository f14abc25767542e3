"""Text at 200% on a phone (375x812) loses nothing on the mentor's pages (SC 1.4.4): no sideways
scroll of the page, and no element inside the page cuts its own text off (content wider than the
box that hides its overflow). Scroll regions (tables) are allowed: they keep all their content
and take keyboard focus. Also: due and overdue are said in words, not by colour alone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from tests.activity_log.contact_support import pairing_for

pytestmark = pytest.mark.browser

# Every element whose content is wider (or taller) than its box while its overflow is hidden or
# clipped, or whose text is cut with an ellipsis; the page itself must not scroll sideways.
CLIPPED_JS = r"""
() => {
  const found = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth) {
    found.push(`page scrolls sideways: ${doc.scrollWidth}px wide in ${doc.clientWidth}px`);
  }
  const nameOf = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
    ` "${(el.innerText || '').trim().slice(0, 30)}"`;
  for (const el of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    if (el.closest('.visually-hidden, .skip-link, [hidden], svg, .btn-check')) continue;
    if (el.matches('input, select, textarea, option, script, style')) continue;
    const hides = ['hidden', 'clip'];
    const wide = el.scrollWidth > el.clientWidth + 1 && hides.includes(style.overflowX);
    const tall = el.scrollHeight > el.clientHeight + 1 && hides.includes(style.overflowY);
    const ellipsis = style.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1;
    if ((wide || tall || ellipsis) && el.innerText.trim()) {
      found.push(`${nameOf(el)} cuts its text: ${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight}`);
    }
    const rect = el.getBoundingClientRect();
    if (rect.width && rect.right > doc.clientWidth + 1 && !el.closest('.table-responsive')) {
      found.push(`${nameOf(el)} sticks out to ${Math.round(rect.right)}px`);
    }
  }
  return found;
}
"""


@pytest.fixture
def mentees(mentor, house):
    today = timezone.localdate()
    on_time = pairing_for(mentor, house=house, resident=f.ResidentFactory(house=house))
    overdue = pairing_for(
        mentor,
        house=house,
        days_ago=40,
        resident=f.ResidentFactory(house=house, preferred_name="Christopher-Alexander"),
    )
    for days in (2, 9, 16):
        f.ContactLogFactory(pairing=on_time, happened_at=timezone.now() - dt.timedelta(days=days))
    f.RecoveryGoalFactory(resident=on_time.resident, text="Get a driver's licence back")
    f.TrainingRecordFactory(mentor=mentor, completed_on=today - dt.timedelta(days=30))
    return on_time, overdue


def test_mentor_pages_at_200_percent_text(page, live_server, login_browser, mentor, mentees):
    on_time, _ = mentees
    login_browser(page, live_server, mentor.user)
    pages = {
        "My mentees": reverse("activity_log:my_mentees"),
        "log form": reverse("activity_log:contact_new", args=[on_time.pk]),
        "My progress": reverse("activity_log:my_progress"),
        "My training": reverse("mentors:my_training"),
        "My profile": reverse("mentors:my_profile"),
    }
    problems = []
    for name, url in pages.items():
        page.goto(url)
        # Let the page settle first (htmx partials, the offline script's status line).
        page.wait_for_load_state("networkidle")
        normal = page.evaluate("document.documentElement.scrollWidth")
        assert normal <= 375, f"{name} is wider than the phone even at 100%: {normal}px"
        body_text = page.locator("main").inner_text()
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        size = page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('main')).fontSize)"
        )
        assert size >= 32, f"{name}: text did not grow ({size}px)"
        problems += [f"{name} ({url}): {p}" for p in page.evaluate(CLIPPED_JS)]
        # Nothing disappears: the text in the page is the same at 200%.
        assert page.locator("main").inner_text() == body_text, f"{name}: text changed at 200%"
        # The menu still opens and its links fit.
        page.get_by_role("button", name="Menu").click()
        problems += [f"{name} (menu open): {p}" for p in page.evaluate(CLIPPED_JS)]
    assert not problems, "\n".join(problems)


def test_due_and_overdue_are_said_in_words(page, live_server, login_browser, mentor, mentees):
    login_browser(page, live_server, mentor.user)
    page.goto(reverse("activity_log:my_mentees"))
    badges = [t.strip().lower() for t in page.locator(".mentee .due-badge").all_inner_texts()]
    assert len(badges) == 2 and all(badges), badges
    assert any(t.startswith("overdue") for t in badges), badges
