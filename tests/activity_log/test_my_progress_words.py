"""My progress reads well (issue 21): hours with one decimal everywhere, milestones dated when
reached, an encouraging line instead of a big "0" streak, and the certificate says which period
its default dates cover."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from activity_log.contacts import hours, services
from activity_log.models import Milestone
from tests.activity_log.contact_support import pairing_for

pytestmark = pytest.mark.django_db


def _log(pairing, minutes, days_ago=1):
    return services.contact_log(
        pairing=pairing,
        author=pairing.mentor.user,
        happened_at=timezone.now() - dt.timedelta(days=days_ago),
        duration_minutes=minutes,
        method="in_person",
    )


def page_text(client) -> str:
    html = client.get(reverse("activity_log:my_progress")).content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_hours_have_one_decimal_everywhere(as_user, mentor, house):
    mentor.training_records.all().delete()
    pairing = pairing_for(mentor, house=house, days_ago=90)
    _log(pairing, 600, days_ago=40)  # 10 hours: shown "10.0", never "10.00" or "10"
    _log(pairing, 45, days_ago=2)  # 0.75 hours
    text = page_text(as_user(mentor.user))
    assert re.search(r"\b10\.8 hours in all", text)
    assert "10.8 hours with mentees" in text
    assert "0.0 hours of training" in text
    month_cells = re.findall(r"[A-Z][a-z]{2} \d{4} (\d+(?:\.\d+)?) ", text)
    assert month_cells and all(re.fullmatch(r"\d+\.\d", cell) for cell in month_cells), month_cells
    assert "10.00" not in text and "0.75" not in text


def test_milestones_show_the_day_they_were_reached(as_user, mentor, house):
    pairing = pairing_for(mentor, house=house, days_ago=90)
    _log(pairing, 600, days_ago=3)
    hours.milestones_record(mentor)
    reached = timezone.localtime(Milestone.objects.get(mentor=mentor, hours=10).reached_at)
    text = page_text(as_user(mentor.user))
    assert f"10 hours · reached {reached.day} {reached:%b %Y}" in text


def test_no_streak_yet_encourages_instead_of_a_zero(as_user, mentor):
    client = as_user(mentor.user)
    html = client.get(reverse("activity_log:my_progress")).content.decode()
    assert "Start a streak: contact every mentee on time this week" in " ".join(html.split())
    assert "data-streak>" not in html


def test_the_certificate_says_which_period_its_dates_cover(as_user, mentor):
    today = timezone.localdate()
    text = page_text(as_user(mentor.user))
    assert f"Set to this year so far (1 January to {today.day} {today:%B %Y})" in text
    assert "count everything since you started" in text
