import datetime as dt
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activity_log.models import ContactLog
from matching.models import Pairing
from mentoring_site.models import AuditEvent
from tests import factories as f
from tests.activity_log.contact_support import form_data, pairing_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def pairing(mentor, house):
    return pairing_for(mentor, house=house)


def _url(pairing):
    return reverse("activity_log:contact_new", args=[pairing.pk])


def test_it_shows_sensible_defaults(as_user, mentor, pairing):
    response = as_user(mentor.user).get(_url(pairing))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["method"].value() == ContactLog.Method.IN_PERSON
    assert form["duration_minutes"].value() == 30
    html = response.content.decode()
    # What the phone shows: now, in the house time zone; a fresh double-submit key.
    typed = re.search(r'name="happened_at" value="([^"]+)"', html).group(1)
    shown = timezone.make_aware(dt.datetime.strptime(typed, "%Y-%m-%dT%H:%M"))
    assert abs(shown - timezone.now()) < dt.timedelta(minutes=2)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    assert uuid.UUID(key)
    assert f'data-draft-key="contact-draft:{pairing.pk}"' in html
    assert "988" in html and "911" in html
    assert "<script>" not in html and "onclick" not in html


def test_it_logs_a_contact_and_confirms_with_the_draft_key(as_user, mentor, pairing):
    client = as_user(mentor.user)
    response = client.post(_url(pairing), form_data(topics=[f.topic("housing").pk]))
    contact = ContactLog.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("activity_log:contact_saved", args=[contact.pk])
    assert contact.created_by == mentor.user
    page = client.get(response.url)
    assert f'data-clear-draft="contact-draft:{pairing.pk}"' in page.content.decode()
    pairing.refresh_from_db()
    assert pairing.last_contact_at == contact.happened_at


def test_the_same_form_posted_twice_saves_one_contact(as_user, mentor, pairing):
    client = as_user(mentor.user)
    data = form_data()
    first = client.post(_url(pairing), data)
    second = client.post(_url(pairing), data)
    assert ContactLog.objects.count() == 1
    assert first.url == second.url


def test_the_form_time_is_read_in_the_house_time_zone(as_user, mentor):
    house = f.HouseFactory(time_zone="America/Los_Angeles")
    pairing = pairing_for(mentor, house=house)
    # Noon yesterday on the house's clock: never in an hour the clocks skip or repeat (that is
    # test_clock_changes.py), and never in the future.
    la_zone = __import__("zoneinfo").ZoneInfo("America/Los_Angeles")
    yesterday = timezone.localtime(timezone=la_zone).date() - dt.timedelta(days=1)
    la = dt.datetime.combine(yesterday, dt.time(12, 0), tzinfo=la_zone)
    as_user(mentor.user).post(_url(pairing), form_data(happened_at=la.strftime("%Y-%m-%dT%H:%M")))
    saved = ContactLog.objects.get().happened_at
    assert abs(saved - la.replace(second=0, microsecond=0)) < dt.timedelta(seconds=1)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {
                "happened_at": (
                    timezone.localtime(timezone.now() + dt.timedelta(hours=2))
                ).strftime("%Y-%m-%dT%H:%M")
            },
            "happened_at",
            "in the future",
        ),
        (
            {
                "happened_at": (
                    timezone.localtime(timezone.now() - dt.timedelta(days=40))
                ).strftime("%Y-%m-%dT%H:%M")
            },
            "happened_at",
            "before this pairing started",
        ),
        ({"happened_at": ""}, "happened_at", "required"),
        ({"duration_minutes": "0"}, "duration_minutes", "between 1 and 600"),
        ({"duration_minutes": "601"}, "duration_minutes", "between 1 and 600"),
        ({"duration_minutes": "-5"}, "duration_minutes", "between 1 and 600"),
        ({"notes": "x" * 5001}, "notes", "5,000"),
        ({"wellbeing": "9"}, "wellbeing", "valid choice"),
        ({"method": "carrier-pigeon"}, "method", "valid choice"),
        ({"topics": ["999999"]}, "topics", "valid choice"),
        ({"concern_level": "panic"}, "concern_level", "valid choice"),
    ],
)
def test_bad_input_shows_a_message_keeps_the_text_and_saves_nothing(
    as_user, mentor, pairing, overrides, field, message
):
    data = form_data(**{"notes": "Talked about the job interview 🙂 <b>bold</b>", **overrides})
    response = as_user(mentor.user).post(_url(pairing), data)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    html = response.content.decode()
    assert message in html, "the error is shown on the page, beside its field"
    if field != "notes":
        assert "Talked about the job interview 🙂 &lt;b&gt;bold&lt;/b&gt;" in html
    assert "is-invalid" in html
    assert not ContactLog.objects.exists()


def test_an_ended_pairing_answers_404_and_saves_nothing(as_user, mentor, pairing):
    """Access ends with the relationship (tests/security/test_roles_ended_pairing.py)."""
    Pairing.objects.filter(pk=pairing.pk).update(
        status=Pairing.Status.ENDED, ended_on=timezone.localdate()
    )
    client = as_user(mentor.user)
    assert client.get(_url(pairing)).status_code == 404
    assert client.post(_url(pairing), form_data(notes="kept text")).status_code == 404
    assert not ContactLog.objects.exists()


def test_another_mentors_pairing_is_404(as_user, mentor2, pairing):
    client = as_user(mentor2.user)
    assert client.get(_url(pairing)).status_code == 404
    assert client.post(_url(pairing), form_data()).status_code == 404
    assert not ContactLog.objects.exists()


def test_staff_cannot_use_the_mentor_form(as_user, manager, pairing):
    assert as_user(manager).get(_url(pairing)).status_code == 404


def test_anonymous_is_sent_to_login_and_nothing_is_saved(client, pairing):
    response = client.post(_url(pairing), form_data())
    assert response.status_code == 302
    assert reverse("account_login") in response.url
    assert not ContactLog.objects.exists()


def test_goal_chips_appear_only_with_consent_to_share_goals(as_user, mentor, pairing):
    goal = f.RecoveryGoalFactory(resident=pairing.resident, text="Get a driving licence")
    client = as_user(mentor.user)
    assert "Get a driving licence" not in client.get(_url(pairing)).content.decode()
    consent = f.ConsentRecordFactory(resident=pairing.resident, shares_goals=False)
    assert "Get a driving licence" not in client.get(_url(pairing)).content.decode()
    consent.shares_goals = True
    consent.save()
    assert "Get a driving licence" in client.get(_url(pairing)).content.decode()
    client.post(_url(pairing), form_data(goals_discussed=[goal.pk]))
    assert list(ContactLog.objects.get().goals_discussed.all()) == [goal]


def test_goals_cannot_be_posted_without_consent(as_user, mentor, pairing):
    goal = f.RecoveryGoalFactory(resident=pairing.resident)
    response = as_user(mentor.user).post(_url(pairing), form_data(goals_discussed=[goal.pk]))
    assert response.status_code == 200
    assert "goals_discussed" in response.context["form"].errors
    assert not ContactLog.objects.exists()


def test_viewing_and_logging_are_audited(as_user, mentor, pairing):
    client = as_user(mentor.user)
    client.get(_url(pairing))
    client.post(_url(pairing), form_data())
    actions = list(
        AuditEvent.objects.filter(resident_id=pairing.resident_id)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["view", "create"]


def test_the_form_runs_a_fixed_number_of_queries(as_user, mentor, house):
    """The same count at 2 and at 40 mentees (the resident having half as many goals)."""
    target = pairing_for(mentor, house=house)
    f.ConsentRecordFactory(resident=target.resident)
    client = as_user(mentor.user)
    counts = {}
    for size in (2, 40):
        while mentor.pairings.count() < size:
            pairing_for(mentor, house=house)
        while target.resident.goals.count() < size // 2:
            f.RecoveryGoalFactory(resident=target.resident)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(_url(target))
        assert response.status_code == 200
        assert len(response.context["form"].fields["goals_discussed"].queryset) == size // 2
        counts[size] = [q["sql"] for q in queries.captured_queries]
    assert len(counts[2]) == len(counts[40]), "\n".join(counts[40])
    assert len(counts[40]) <= 11


def test_a_resent_post_after_the_key_was_used_elsewhere_is_not_a_second_contact(
    as_user, mentor, pairing
):
    key = str(uuid.uuid4())
    client = as_user(mentor.user)
    client.post(_url(pairing), form_data(idempotency_key=key))
    client.post(_url(pairing), form_data(idempotency_key=key, notes="a second tap"))
    assert ContactLog.objects.get().notes == ""
