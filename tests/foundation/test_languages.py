"""Issue 20, the language machinery: English or Spanish by the signed-in user's own choice,
else the footer's switcher (session/cookie), else the browser; residents' links in the
resident's language; emails in the recipient's; crisis guidance always in both; lookup names
and date formats per language. (The catalogue's completeness: test_translations.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, translation

from activity_log.feedback import services as feedback_services
from activity_log.models import Reminder, Topic
from activity_log.reminders import emails
from mentoring_site import accounts
from mentoring_site.i18n import language_for, override_for
from residents import services as resident_services
from residents.models import Language, RecoveryPathway
from tests import factories as f
from tests.activity_log.feedback.support import issued_link, pairing_in
from tests.security import password_only_session

pytestmark = pytest.mark.django_db

SPANISH_FOOTER = ">Idioma</a>"
ENGLISH_FOOTER = ">Language</a>"


@pytest.fixture(autouse=True)
def _fresh_rate_limit(settings):
    # The resident links count requests per IP in the cache: each test starts from zero.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()


def html_lang(response) -> str:
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


# --- Signed in: the user's own choice ---------------------------------------------------------


def test_a_mentor_who_chose_spanish_gets_spanish_pages(as_user, mentor):
    mentor.user.preferred_language = "es"
    mentor.user.save()
    response = as_user(mentor.user).get(reverse("activity_log:my_mentees"))
    assert response.status_code == 200
    assert html_lang(response) == "es"
    assert response["Content-Language"] == "es"
    assert SPANISH_FOOTER in response.content.decode()


def test_the_users_choice_beats_the_browser_and_the_switcher_cookie(as_user, mentor, client):
    mentor.user.preferred_language = "en"
    mentor.user.save()
    as_user(mentor.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = client.get(reverse("activity_log:my_mentees"), HTTP_ACCEPT_LANGUAGE="es")
    assert html_lang(response) == "en"
    assert ENGLISH_FOOTER in response.content.decode()


def test_without_a_choice_the_browser_decides(as_user, mentor):
    client = as_user(mentor.user)
    response = client.get(reverse("activity_log:my_mentees"), HTTP_ACCEPT_LANGUAGE="es-US,es;q=0.9")
    assert html_lang(response) == "es"
    english = client.get(reverse("activity_log:my_mentees"), HTTP_ACCEPT_LANGUAGE="en-US")
    assert html_lang(english) == "en"


def test_a_manager_saves_spanish_on_the_language_page(as_user, manager):
    client = as_user(manager)
    page = client.get(reverse("my_language"))
    assert page.status_code == 200
    assert 'value="es"' in page.content.decode()
    response = client.post(reverse("my_language"), {"preferred_language": "es"}, follow=True)
    manager.refresh_from_db()
    assert manager.preferred_language == "es"
    html = response.content.decode()
    assert html_lang(response) == "es"
    assert "Se guardó su idioma." in html
    # Signed out later, the sign-in page stays Spanish.
    cookie = client.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "es"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    client.post(reverse("account_logout"))  # the real sign-out (client.logout drops cookies)
    page = client.get(reverse("account_login"))
    assert not page.wsgi_request.user.is_authenticated
    assert html_lang(page) == "es"


@pytest.mark.parametrize(
    "url",
    [
        "activity_log:dashboard",
        "activity_log:dashboard_health",
        "activity_log:reports",
        "activity_log:outcomes_report",
        "activity_log:recovery_due",
        "groups:list",
        "my_language",
    ],
)
def test_a_spanish_speaking_managers_page_titles_name_the_site_in_spanish(as_user, manager, url):
    manager.preferred_language = "es"
    manager.save(update_fields=["preferred_language"])
    response = as_user(manager).get(reverse(url))
    assert response.status_code == 200
    title = response.content.decode().split("<title>", 1)[1].split("</title>", 1)[0]
    assert " ".join(title.split()).endswith("· Mentoría entre Pares"), title
    assert "Peer Mentoring" not in title


def test_the_language_page_refuses_a_language_the_site_has_not(as_user, mentor):
    response = as_user(mentor.user).post(reverse("my_language"), {"preferred_language": "fr"})
    assert response.status_code == 200
    assert response.context["form"].errors["preferred_language"]
    mentor.user.refresh_from_db()
    assert mentor.user.preferred_language == ""


def test_the_language_page_needs_sign_in(client):
    response = client.get(reverse("my_language"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_mentor_chooses_spanish_on_my_profile(as_user, mentor):
    data = {
        "first_name": "Sam",
        "last_name": "Okafor",
        "phone": "",
        "bio": "",
        "gender": "",
        "gender_self_description": "",
        "preferred_language": "es",
    }
    client = as_user(mentor.user)
    response = client.post(reverse("mentors:my_profile"), data)
    assert response.status_code == 302
    mentor.user.refresh_from_db()
    assert mentor.user.preferred_language == "es"
    assert html_lang(client.get(reverse("mentors:my_profile"))) == "es"


# --- Not signed in: the footer's switcher -------------------------------------------------------


def test_the_sign_in_page_has_a_switcher_that_keeps_the_page(client):
    login = reverse("account_login") + "?next=/my/"
    html = client.get(login).content.decode()
    assert f'action="{reverse("set_language")}"' in html
    assert 'name="language"' in html and 'value="es"' in html and 'lang="es"' in html
    assert 'name="next" value="/accounts/login/?next=/my/"' in html
    response = client.post(reverse("set_language"), {"language": "es", "next": login})
    assert response.status_code == 302 and response["Location"] == login
    page = client.get(login)
    assert html_lang(page) == "es"
    assert SPANISH_FOOTER.replace("</a>", "</span>") in page.content.decode()


def test_the_switcher_never_sends_anyone_off_site(client):
    response = client.post(
        reverse("set_language"), {"language": "es", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_switcher_needs_the_csrf_token():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("set_language"), {"language": "es"}).status_code == 403


def test_a_staff_session_before_its_second_factor_may_switch(client):
    manager = f.ManagerUserFactory()
    password_only_session(client, manager)
    response = client.post(
        reverse("set_language"), {"language": "es", "next": reverse("mfa_reauthenticate")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_reauthenticate")


# --- Residents' links ----------------------------------------------------------------------------


def test_a_feedback_link_opens_in_the_residents_language(client, house, mentor):
    pairing = pairing_in(house, mentor)
    pairing.resident.preferred_language = "es"
    pairing.resident.save()
    _, token = issued_link(pairing)
    url = reverse("activity_log:feedback_form", args=[token])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US")
    assert response.status_code == 200
    assert html_lang(response) == "es"
    assert response["Content-Language"] == "es"


def test_without_a_residents_choice_the_link_follows_the_phone(client, house, mentor):
    pairing = pairing_in(house, mentor)
    _, token = issued_link(pairing)
    url = reverse("activity_log:feedback_form", args=[token])
    assert html_lang(client.get(url, HTTP_ACCEPT_LANGUAGE="es")) == "es"
    assert html_lang(client.get(url, HTTP_ACCEPT_LANGUAGE="en")) == "en"


def test_a_recovery_check_link_opens_in_the_residents_language(client, house, manager):
    resident = f.ResidentFactory(house=house, preferred_language="es")
    token = feedback_services.assessment_link_issue(resident=resident, by=manager)
    response = client.get(reverse("activity_log:assessment_by_link", args=[token]))
    assert response.status_code == 200
    assert html_lang(response) == "es"


def test_the_resident_forms_take_a_preferred_language(as_user, manager, house):
    resident = f.ResidentFactory(house=house)
    data = {
        "first_name": resident.first_name,
        "last_name": resident.last_name,
        "preferred_name": resident.preferred_name,
        "house": house.pk,
        "move_in_date": resident.move_in_date.isoformat(),
        "preferred_mentor_gender": "",
        "preferred_language": "es",
    }
    client = as_user(manager)
    assert 'name="preferred_language"' in client.get(reverse("residents:create")).content.decode()
    response = client.post(reverse("residents:edit", args=[resident.pk]), data)
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.preferred_language == "es"
    created, _ = resident_services.resident_create(
        user=manager,
        house=house,
        preferred_name="",
        first_name="Rosa",
        last_name="Diaz",
        move_in_date=dt.date(2026, 1, 5),
        preferred_language="es",
    )
    assert created.preferred_language == "es"


# --- Emails in the recipient's language --------------------------------------------------------


def _training_reminder(user, mentor):
    record = f.TrainingRecordFactory(
        mentor=mentor,
        course=f.TrainingCourseFactory(name="Naloxone refresher"),
        completed_on=dt.date(2024, 3, 4),
        expires_on=dt.date(2026, 3, 4),
    )
    return Reminder.objects.create(
        kind="training_expiring",
        training_record=record,
        subject_key=f"training:{record.pk}",
        due_at=dt.datetime(2026, 3, 4, 4, tzinfo=dt.UTC),
        recipient=user,
        send_after=dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
    )


def test_a_spanish_users_digest_is_rendered_in_spanish(mentor, monkeypatch):
    mentor.user.preferred_language = "es"
    mentor.user.save()
    reminder = _training_reminder(mentor.user, mentor)
    seen = []
    original = emails.render_to_string
    monkeypatch.setattr(
        emails,
        "render_to_string",
        lambda *a, **k: seen.append(translation.get_language()) or original(*a, **k),
    )
    message = emails.build_email(mentor.user, [reminder], dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    assert seen == ["es", "es", "es"]  # subject, text, HTML
    assert "Su capacitación" in message.subject and "vence el 4 de marzo" in message.subject
    assert "Hola," in message.body and "Un aviso para que pueda seguir" in message.body
    assert translation.get_language() == "en"  # only the render was Spanish


def test_an_english_users_digest_stays_english(mentor):
    reminder = _training_reminder(mentor.user, mentor)
    message = emails.build_email(mentor.user, [reminder], dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    assert "4 March" in message.subject


def test_the_account_email_is_rendered_in_the_new_persons_language(monkeypatch):
    user = f.MentorUserFactory(preferred_language="es")
    seen = []
    original = accounts.render_to_string
    monkeypatch.setattr(
        accounts,
        "render_to_string",
        lambda *a, **k: seen.append(translation.get_language()) or original(*a, **k),
    )
    assert accounts.account_send_set_password_email(user=user)
    assert seen == ["es", "es", "es"]
    assert len(mail.outbox) == 1


def test_language_for_ignores_a_code_the_site_has_not():
    user = f.MentorUserFactory.build(preferred_language="fr")
    assert language_for(user) == ""
    with override_for(user):
        assert translation.get_language() == settings.LANGUAGE_CODE


# --- Crisis guidance, lookups, formats ---------------------------------------------------------


def _crisis(html: str) -> str:
    return html.split("crisis-guidance", 1)[1]


def test_crisis_guidance_is_in_both_languages_with_the_pages_first(as_user, mentor, house):
    pairing = f.PairingFactory(mentor=mentor, resident=f.ResidentFactory(house=house))
    url = reverse("activity_log:contact_new", args=[pairing.pk])
    client = as_user(mentor.user)
    english = _crisis(client.get(url).content.decode())
    assert "call 911" in english and "llame al 911" in english
    assert "marque 2 para español" in english and 'href="tel:988"' in english
    assert english.index('lang="en"') < english.index('lang="es"')
    mentor.user.preferred_language = "es"
    mentor.user.save()
    spanish = _crisis(client.get(url).content.decode())
    assert "call 911" in spanish and "llame al 911" in spanish
    assert spanish.index('lang="es"') < spanish.index('lang="en"')


def test_lookup_names_are_translated_and_the_stored_name_is_not():
    housing = Topic.objects.get(slug="housing")
    spanish = Language.objects.get(code="es")
    moud = RecoveryPathway.objects.get(slug="moud")
    with translation.override("es"):
        assert str(housing) == "Vivienda"
        assert str(spanish) == "Español"
        assert str(moud) == "Medicamentos para el consumo de opioides"
        page = Template("{% load lookups %}{{ name|lookup }}").render(
            Context({"name": housing.name})
        )
        assert page == "Vivienda"
    assert housing.name == "Housing" and str(housing) == "Housing"


def test_dates_follow_the_language_and_english_is_unchanged():
    day = dt.date(2026, 3, 4)
    assert formats.date_format(day, "SHORT_DATE_FORMAT") == "03/04/2026"
    assert formats.date_format(day) == "March 4, 2026"
    with translation.override("es"):
        # US Spanish: the month in letters (never 03/04 read two ways), 12-hour times.
        assert formats.date_format(day, "SHORT_DATE_FORMAT") == "4 mar 2026"
        assert formats.date_format(day) == "4 de marzo de 2026"
        assert formats.time_format(dt.time(15, 30)) == "3:30 p.m."
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 0
