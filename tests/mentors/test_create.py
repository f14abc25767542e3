"""Adding a mentor: the account in the Mentor group, an applicant profile, and a set-password
email whose link works in allauth. Bad input keeps what was typed and saves nothing."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from mentoring_site.models import User
from mentoring_site.roles import Role, role_of
from mentors.models import Mentor
from residents.models import House, Language

pytestmark = pytest.mark.django_db

URL = reverse("mentors:create")


def valid(**overrides) -> dict:
    data = {
        "email": "New.Person@Example.org",
        "first_name": "Rosa",
        "last_name": "Parks-Lee",
        "phone": "555-0199",
        "recovery_since": "2020-05-01",
        "bio": "Five years sober.",
        "gender": "",
        "gender_self_description": "",
        "capacity": "3",
    }
    # A manager adds mentors to their own houses (tests/mentors/conftest.py gives them one).
    data["houses"] = list(House.objects.values_list("pk", flat=True))
    data.update(overrides)
    return data


def test_anonymous_is_sent_to_sign_in(client):
    assert "/accounts/login/" in client.get(URL)["Location"]


def test_a_mentor_gets_404(as_user, mentor):
    client = as_user(mentor.user)
    assert client.get(URL).status_code == 404
    assert client.post(URL, valid()).status_code == 404
    assert not User.objects.filter(email="new.person@example.org").exists()


def test_a_manager_adds_an_applicant_and_they_get_a_set_password_email(
    as_user, manager, django_capture_on_commit_callbacks
):
    spanish = Language.objects.get(code="es")
    client = as_user(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, valid(languages=[spanish.pk]))
    mentor = Mentor.objects.get(user__email="new.person@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("mentors:detail", args=[mentor.pk])
    assert mentor.status == Mentor.Status.APPLICANT
    assert list(mentor.languages.all()) == [spanish]
    assert mentor.user.first_name == "Rosa"
    assert role_of(mentor.user) == Role.MENTOR
    assert not mentor.user.has_usable_password()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.org"]
    assert "choose your password" in message.subject
    assert message.alternatives  # plain text and HTML


def test_the_welcome_email_is_in_the_language_the_manager_chose(
    as_user, manager, django_capture_on_commit_callbacks
):
    client = as_user(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, valid(preferred_language="es"))
    user = User.objects.get(email="new.person@example.org")
    assert user.preferred_language == "es"  # their pages too, until they choose on My profile
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert message.subject == "Le damos la bienvenida a Mentoría entre Pares: elija su contraseña"
    assert message.body.startswith("Hola, Rosa:")
    assert (
        "mentor/a voluntario/a" in message.body and "/accounts/password/reset/key/" in message.body
    )
    assert '<html lang="es">' in html and "Elegir mi contraseña" in html
    assert "choose" not in (message.body + html).lower()


def test_without_a_choice_the_welcome_email_is_in_the_sites_language(
    as_user, manager, django_capture_on_commit_callbacks
):
    client = as_user(manager)
    client.cookies["django_language"] = "es"  # the manager's own pages are in Spanish
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, valid())
    assert User.objects.get(email="new.person@example.org").preferred_language == ""
    message = mail.outbox[0]
    assert message.subject == "Welcome to Peer Mentoring: choose your password"
    assert message.body.startswith("Hi Rosa,")
    assert "The link works for 3 days." in message.body


def test_an_unknown_language_is_refused_on_the_form(as_user, manager):
    response = as_user(manager).post(URL, valid(preferred_language="xx", first_name="Typed"))
    assert response.status_code == 200
    assert "preferred_language" in response.context["form"].errors
    assert 'value="Typed"' in response.content.decode()
    assert not User.objects.filter(email="new.person@example.org").exists()


def test_the_emailed_link_lets_them_choose_a_password_and_sign_in(
    client, as_user, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        as_user(manager).post(URL, valid())
    client.logout()
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    path = link.group(0).split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    # allauth moves the key into the session and shows the form on a key-less URL.
    assert response.status_code == 302
    form_url = response["Location"]
    response = client.post(
        form_url, {"password1": "a-long-new-passphrase-7", "password2": "a-long-new-passphrase-7"}
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.org")
    assert user.check_password("a-long-new-passphrase-7")


def test_an_existing_email_is_refused_clearly_without_a_second_user(as_user, manager, mentor):
    client = as_user(manager)
    response = client.post(URL, valid(email="MENTOR@example.org", first_name="Typed"))
    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["email"][0]
    assert 'value="Typed"' in response.content.decode()
    assert User.objects.filter(email__iexact="mentor@example.org").count() == 1
    assert Mentor.objects.count() == 1


def test_the_service_refuses_an_existing_email_too(manager, mentor):
    from django.core.exceptions import ValidationError

    from mentors.services import mentor_create

    with pytest.raises(ValidationError) as exc:
        mentor_create(email="mentor@example.org", first_name="A", last_name="B")
    assert "already exists" in str(exc.value)
    assert User.objects.filter(email="mentor@example.org").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("recovery_since", "2999-01-01", "cannot be in the future"),
        ("capacity", "-1", "greater than or equal to 0"),
        ("capacity", "11", "less than or equal to 10"),
        ("capacity", "lots", "whole number"),
        ("email", "not-an-email", "valid email"),
        ("email", "", "required"),
        ("first_name", "", "required"),
        ("first_name", "x" * 151, "at most 150"),
        ("recovery_since", "31/31/2020", "valid date"),
    ],
)
def test_bad_input_is_explained_beside_the_field_and_nothing_is_saved(
    as_user, manager, field, value, message
):
    response = as_user(manager).post(URL, valid(**{field: value}, bio="Typed bio ✓"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert "Typed bio ✓" in response.content.decode()
    assert not Mentor.objects.exists()
    assert not User.objects.filter(email="new.person@example.org").exists()


def test_self_described_gender_needs_a_description(as_user, manager):
    response = as_user(manager).post(URL, valid(gender="self_described"))
    assert "gender_self_description" in response.context["form"].errors
    assert not Mentor.objects.exists()


def test_html_and_unicode_are_kept_and_escaped(as_user, manager):
    client = as_user(manager)
    client.post(URL, valid(first_name="<i>Zoë</i>", bio="<script>alert(1)</script> 🌱"))
    mentor = Mentor.objects.get()
    assert mentor.user.first_name == "<i>Zoë</i>"
    content = client.get(reverse("mentors:detail", args=[mentor.pk])).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;i&gt;Zoë&lt;/i&gt;" in content
    assert "🌱" in content


def test_a_double_submit_creates_one_account(as_user, manager):
    client = as_user(manager)
    client.post(URL, valid())
    response = client.post(URL, valid())
    assert response.status_code == 200
    assert User.objects.filter(email="new.person@example.org").count() == 1


def test_a_failed_email_is_logged_without_the_address_and_can_be_resent(
    as_user, manager, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.mentors.test_create.BrokenBackend"
    client = as_user(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, valid())
    mentor = Mentor.objects.get()
    assert "new.person" not in caplog.text
    assert f"user {mentor.user.pk}" in caplog.text
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = client.post(reverse("mentors:resend_invite", args=[mentor.pk]))
    assert response.status_code == 302
    assert len(mail.outbox) == 1


def test_resend_is_post_only_and_staff_only(as_user, manager, mentor, mentor2):
    resend = reverse("mentors:resend_invite", args=[mentor2.pk])
    assert as_user(manager).get(resend).status_code == 405
    assert as_user(mentor.user).post(resend).status_code == 404
    assert mail.outbox == []


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down for new.person@example.org")


def test_the_plain_text_email_is_not_html_escaped(
    as_user, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        as_user(manager).post(URL, valid(first_name="D'Angelo"))
    body = mail.outbox[0].body
    assert "Hi D'Angelo," in body
    assert "&#x27;" not in body


def test_a_manager_must_choose_one_of_their_houses(as_user, manager, house, house2):
    client = as_user(manager)
    form = client.get(URL).context["form"]
    assert list(form.fields["houses"].queryset) == [house]
    response = client.post(URL, valid(houses=[]))
    assert "Choose at least one of your houses" in response.content.decode()
    response = client.post(URL, valid(houses=[house2.pk], serves_all_houses="on"))
    assert "houses" in response.context["form"].errors
    assert not Mentor.objects.exists()


def test_only_an_admin_adds_a_mentor_serving_every_house(as_user, program_admin):
    as_user(program_admin).post(URL, valid(houses=[], serves_all_houses="on"))
    assert Mentor.objects.get().serves_all_houses
