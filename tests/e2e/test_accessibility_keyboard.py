"""The log form by keyboard on a phone (375x812): the skip link comes first; every control shows a
focus ring of at least 3:1 against what surrounds it; each chip, once focused, is on screen and
above the sticky Save bar; Enter on a chip chooses it and never submits; Tab reaches Save and goes
on past it (no keyboard trap)."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.urls import reverse

from activity_log.models import ContactLog
from tests import factories as f
from tests.activity_log.contact_support import pairing_for
from tests.e2e.a11y_support import CONTRAST_JS

pytestmark = pytest.mark.browser

# What the focused element looks like: the element itself, or for a chip (a visually hidden
# .btn-check input) its label, which draws the ring. Contrast is the ring colour against the
# background just outside the control (its parent's), per SC 1.4.11.
FOCUS_JS = """
() => {
  const el = document.activeElement;
  const shown = el.classList.contains('btn-check') && el.labels.length ? el.labels[0] : el;
  const style = getComputedStyle(shown);
  const ring = window.__a11y.parse(style.outlineColor);
  const around = window.__a11y.background(shown.parentElement);
  const rect = shown.getBoundingClientRect();
  const bar = document.querySelector('.log-form .save-bar');
  const barRect = bar.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '',
    id: el.id, chip: el.classList.contains('btn-check'), checked: !!el.checked,
    text: (shown.innerText || el.value || '').trim().slice(0, 40),
    width: parseFloat(style.outlineWidth), style: style.outlineStyle,
    contrast: ring && ring.a > 0 ? window.__a11y.ratio(ring, around) : 0,
    top: rect.top, bottom: rect.bottom, left: rect.left, right: rect.right,
    viewportHeight: window.innerHeight, viewportWidth: window.innerWidth,
    barTop: barRect.top, inBar: bar.contains(el),
  };
}
"""


@pytest.fixture
def pairing(mentor, house):
    resident = f.ResidentFactory(house=house, preferred_name="Robin")
    pairing = pairing_for(mentor, house=house, resident=resident)
    for title in ["Find a job", "Get a driver's licence", "Open a bank account"]:
        f.RecoveryGoalFactory(resident=resident, text=title)
    return pairing


def _focus(page) -> dict:
    return page.evaluate(FOCUS_JS)


def _describe(info: dict) -> str:
    return f"{info['tag']}[{info['type']}] {info['name']} {info['text']!r}"


def _ring_problems(info: dict) -> list[str]:
    problems = []
    if info["style"] == "none" or info["width"] <= 0:
        problems.append(f"{_describe(info)}: no focus outline")
    elif info["contrast"] < 3:
        problems.append(f"{_describe(info)}: focus ring {info['contrast']:.2f}:1 (< 3:1)")
    return problems


def _place_problems(info: dict) -> list[str]:
    problems = []
    if info["top"] < 0 or info["bottom"] > info["viewportHeight"]:
        problems.append(f"{_describe(info)}: off screen ({info['top']:.0f}-{info['bottom']:.0f})")
    if info["left"] < 0 or info["right"] > info["viewportWidth"]:
        problems.append(f"{_describe(info)}: off screen sideways")
    if not info["inBar"] and info["bottom"] > info["barTop"]:
        problems.append(
            f"{_describe(info)}: under the Save bar (bottom {info['bottom']:.0f} > "
            f"bar {info['barTop']:.0f})"
        )
    return problems


def _still_on_the_form(page, url: str, what: str) -> None:
    page.wait_for_timeout(500)
    page.wait_for_load_state("load")
    assert urlparse(page.url).path == url, f"Enter on {what} left the form for {page.url}"
    assert ContactLog.objects.count() == 0, f"Enter on {what} saved a contact"


def test_the_log_form_by_keyboard(page, live_server, login_browser, mentor, pairing):
    login_browser(page, live_server, mentor.user)
    url = reverse("activity_log:contact_new", args=[pairing.pk])
    page.goto(url)
    page.evaluate(CONTRAST_JS)

    # 1. The first Tab lands on the skip link, which is visible with a ring and moves focus to
    # the main content.
    page.keyboard.press("Tab")
    first = _focus(page)
    assert first["tag"] == "a" and first["text"] == "Skip to main content", first
    assert not _ring_problems(first), _ring_problems(first)
    assert first["top"] >= 0 and first["bottom"] <= first["viewportHeight"], first
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # 2. Tab through the form: every control has a ring; every chip (each radio of a group by
    # arrow keys, as a keyboard user moves in a radio group) is on screen above the Save bar.
    problems: list[str] = []
    chips_seen: set[str] = set()
    reached_save = False
    after_save = None
    for _ in range(120):
        page.keyboard.press("Tab")
        info = _focus(page)
        if reached_save:
            after_save = info
            break
        problems += _ring_problems(info)
        if info["chip"]:
            chips_seen.add(info["id"])
            problems += _place_problems(info)
            if info["type"] == "radio":
                group = page.locator(f"input[name={info['name']}]").count()
                for _ in range(group - 1):
                    page.keyboard.press("ArrowRight")
                    moved = _focus(page)
                    chips_seen.add(moved["id"])
                    problems += _ring_problems(moved) + _place_problems(moved)
        if info["tag"] == "button" and info["text"] == "Save contact":
            reached_save = True
            problems += _place_problems(info)
    assert reached_save, "Tab never reached the Save button"
    assert after_save is not None and not after_save["inBar"], "focus is stuck on Save"
    chips = page.locator("form.log-form .btn-check").count()
    assert len(chips_seen) == chips, f"focused {len(chips_seen)} of {chips} chips"
    assert not problems, "\n".join(problems)

    # 3. Enter on a chip chooses it (checkbox and radio alike) and never submits the form.
    ContactLog.objects.all().delete()
    topic = page.locator("form.log-form input[name=topics]").nth(5)
    topic.focus()
    was = topic.is_checked()
    page.keyboard.press("Enter")
    _still_on_the_form(page, url, "a topic chip (checkbox)")
    assert topic.is_checked() is not was
    method = page.locator("form.log-form input[name=method]").nth(2)
    method.focus()
    page.keyboard.press("Enter")
    _still_on_the_form(page, url, "a method chip (radio)")
    assert method.is_checked()

    # 4. Shift+Tab goes back too: no trap in either direction.
    page.locator("form.log-form [data-save]").focus()
    page.keyboard.press("Shift+Tab")
    assert _focus(page)["tag"] != "button", "Shift+Tab did not leave the Save button"
