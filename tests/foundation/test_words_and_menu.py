"""Words and numbers that agree across the site (issue 21): one time format ("10:51 AM", never
"00:00" or "a.m."), "every day" rather than "every 1 days", lists without a space before the
comma, and a menu that says which page you are on."""

import datetime as dt

import pytest
from django.template import Context, Template
from django.urls import reverse

from tests import factories as f


def render(source: str, **context) -> str:
    return Template(source).render(Context(context)).strip()


def test_times_read_the_same_everywhere():
    midnight, morning = dt.time(0, 0), dt.time(10, 51)
    assert render("{{ t|time }}", t=midnight) == "12:00 AM"
    assert render("{{ t|time }}", t=morning) == "10:51 AM"
    assert render("{{ d }}", d=dt.datetime(2026, 11, 29, 10, 51)) == "Nov. 29, 2026, 10:51 AM"
    assert render('{{ d|date:"DATETIME_FORMAT" }}', d=dt.datetime(2026, 11, 29, 0, 0)).endswith(
        "12:00 AM"
    )


def test_no_template_writes_a_24_hour_clock_or_a_dotted_am():
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    offenders = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.*")
        if path.suffix in (".html", ".txt") and re.search(r"H:i|g:i a|\|time:\"P", path.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("days", "words"), [(1, "every day"), (7, "every 7 days"), (14, "every 14 days")]
)
def test_check_in_intervals_in_words(days, words):
    assert render("{{ days|every_days }}", days=days) == words


def test_lists_have_no_space_before_the_comma():
    topics = ["Housing", "Legal", "Other"]
    assert render("{{ items|names }}", items=topics) == "Housing, Legal, Other"
    assert render('{{ items|names:"; " }}', items=["A", "B"]) == "A; B"


@pytest.mark.django_db
def test_contact_history_lists_topics_with_plain_commas(as_user, mentor):
    pairing = f.PairingFactory(mentor=mentor)
    contact = f.ContactLogFactory(pairing=pairing, created_by=mentor.user)
    contact.topics.set([f.topic("housing"), f.topic("legal")])
    html = as_user(mentor.user).get(reverse("activity_log:pairing_history", args=[pairing.pk]))
    text = " ".join(html.content.decode().split())
    assert " ," not in text
    assert "Topics: " in text


@pytest.mark.django_db
def test_pairing_page_says_every_day_for_a_daily_check_in(as_user, manager, house):
    pairing = f.PairingFactory(resident__house=house, checkin_interval_days=1)
    html = as_user(manager).get(reverse("matching:detail", args=[pairing.pk])).content.decode()
    assert "Every day" in html
    assert "1 days" not in html and "every 1 day" not in html.lower()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "args", "current", "label"),
    [
        ("residents:list", [], "page", "Residents"),
        ("mentors:list", [], "page", "Mentors"),
        ("activity_log:dashboard", [], "page", "Dashboard"),
    ],
)
def test_the_staff_menu_marks_the_page_you_are_on(as_user, manager, url_name, args, current, label):
    html = as_user(manager).get(reverse(url_name, args=args)).content.decode()
    marked = f'<a class="nav-link active" aria-current="{current}" href="{reverse(url_name)}">'
    assert html.count('class="nav-link active"') == 1
    assert f"{marked}{label}</a>" in html


@pytest.mark.django_db
def test_the_menu_marks_the_section_below_a_list(as_user, manager, house):
    resident = f.ResidentFactory(house=house)
    html = as_user(manager).get(reverse("residents:detail", args=[resident.pk])).content.decode()
    assert f'aria-current="true" href="{reverse("residents:list")}">Residents</a>' in html


@pytest.mark.django_db
def test_the_mentor_menu_marks_my_mentees_on_the_log_form(as_user, mentor):
    pairing = f.PairingFactory(mentor=mentor)
    html = as_user(mentor.user).get(reverse("activity_log:contact_new", args=[pairing.pk]))
    assert f'aria-current="true" href="{reverse("activity_log:my_mentees")}">My mentees</a>' in (
        html.content.decode()
    )
