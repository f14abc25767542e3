"""Finding a mentor for a resident: the suggestions page, the search, and the pair form."""

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import Pairing
from mentoring_site.models import AuditEvent
from residents.models import Language
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(house):
    return f.ResidentFactory(house=house, preferred_name="Ana")


def suggest_url(resident):
    return reverse("matching:suggest", args=[resident.pk])


def pair_url(resident, mentor):
    return reverse("matching:pair", args=[resident.pk, mentor.pk])


# --- Suggestions page ------------------------------------------------------------------------


def test_it_shows_suggestions_with_reasons_and_a_choose_link(as_user, manager, resident, mentor):
    resident.languages.add(Language.objects.get(code="es"))
    mentor.languages.add(Language.objects.get(code="es"))
    response = as_user(manager).get(suggest_url(resident))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Speaks Spanish" in html
    assert "0 of 3 places taken" in html
    assert pair_url(resident, mentor) in html
    assert reverse("mentors:detail", args=[mentor.pk]) in html
    event = AuditEvent.objects.get()
    assert (event.action, event.resident_id) == ("view", resident.pk)


def test_no_suggestion_explains_what_to_do(as_user, manager, resident):
    response = as_user(manager).get(suggest_url(resident))
    assert "No cleared mentor with a free place serves Maple House" in response.content.decode()


def test_a_resident_who_has_a_mentor_gets_no_suggestions(as_user, manager, resident, mentor):
    pairing = f.PairingFactory(resident=resident, mentor=mentor)
    response = as_user(manager).get(suggest_url(resident))
    html = response.content.decode()
    assert "Ana already has a mentor" in html
    assert reverse("matching:detail", args=[pairing.pk]) in html
    assert response.context.get("suggestions") is None


def test_a_resident_whose_mentor_became_unavailable_is_sent_to_reassign(
    as_user, manager, resident, mentor
):
    pairing = f.PairingFactory(
        resident=resident, mentor=mentor, status="paused", pause_reason="mentor_unavailable"
    )
    response = as_user(manager).get(suggest_url(resident))
    assert response["Location"] == reverse("matching:reassign", args=[pairing.pk])


def test_an_exited_resident_cannot_be_paired(as_user, manager, house, mentor):
    gone = f.ResidentFactory(house=house, status="moved_out", exit_date=timezone.localdate())
    html = as_user(manager).get(suggest_url(gone)).content.decode()
    assert "no longer lives in the house" in html
    assert pair_url(gone, mentor) not in html


def test_search_is_posted_kept_in_the_session_and_never_in_the_url(
    as_user, manager, resident, house2
):
    far = f.ClearedMentorFactory(user__first_name="Priya", serves_all_houses=False)
    far.houses.add(house2)
    client = as_user(manager)
    response = client.post(suggest_url(resident), {"term": "Priya"})
    assert response.status_code == 302
    assert response["Location"] == suggest_url(resident)
    assert "Priya" not in response["Location"]
    html = client.get(suggest_url(resident)).content.decode()
    assert "Does not serve Maple House" in html
    assert pair_url(resident, far) in html
    client.post(suggest_url(resident), {"term": ""})
    assert client.get(suggest_url(resident)).context["results"] is None


def test_search_escapes_html_and_accepts_unicode(as_user, manager, resident):
    client = as_user(manager)
    client.post(suggest_url(resident), {"term": "<b>Zoë</b>"})
    html = client.get(suggest_url(resident)).content.decode()
    assert "&lt;b&gt;Zoë&lt;/b&gt;" in html
    assert "<b>Zoë</b>" not in html


# --- Pairing --------------------------------------------------------------------------------


def test_the_pair_form_asks_for_the_interval(as_user, manager, resident, mentor):
    response = as_user(manager).get(pair_url(resident, mentor))
    assert response.status_code == 200
    assert 'name="checkin_interval_days"' in response.content.decode()
    assert response.context["form"]["checkin_interval_days"].value() == 7


def test_pairing_creates_the_pairing_and_shows_it(as_user, manager, resident, mentor):
    response = as_user(manager).post(pair_url(resident, mentor), {"checkin_interval_days": "10"})
    pairing = Pairing.objects.get()
    assert response["Location"] == reverse("matching:detail", args=[pairing.pk])
    assert (pairing.resident, pairing.mentor, pairing.created_by) == (resident, mentor, manager)
    assert pairing.checkin_interval_days == 10
    assert pairing.next_due_at == pairing.next_due()
    event = AuditEvent.objects.get()
    assert (event.action, event.object_id, event.resident_id) == (
        "create",
        str(pairing.pk),
        resident.pk,
    )


def test_a_double_submit_makes_one_pairing(as_user, manager, resident, mentor):
    client = as_user(manager)
    first = client.post(pair_url(resident, mentor), {"checkin_interval_days": "7"})
    second = client.post(pair_url(resident, mentor), {"checkin_interval_days": "7"})
    assert Pairing.objects.count() == 1
    assert first["Location"] == second["Location"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "Choose at least 1 day."),
        ("31", "Choose at most 30 days."),
        ("-3", "Choose at least 1 day."),
        ("seven", "Enter a whole number of days."),
        ("", "Enter how often the mentor should check in."),
        ("9" * 50, "Choose at most 30 days."),
    ],
)
def test_a_bad_interval_is_explained_beside_the_field(
    as_user, manager, resident, mentor, value, message
):
    response = as_user(manager).post(pair_url(resident, mentor), {"checkin_interval_days": value})
    assert response.status_code == 200
    assert message in response.context["form"].errors["checkin_interval_days"]
    assert not Pairing.objects.exists()


def forged(client, resident, mentor):
    return client.post(pair_url(resident, mentor), {"checkin_interval_days": "7"})


def test_forged_post_for_an_uncleared_mentor_saves_nothing(as_user, manager, resident):
    applicant = f.MentorFactory()
    response = forged(as_user(manager), resident, applicant)
    assert response.status_code == 200
    assert "is not cleared to mentor" in " ".join(response.context["form"].non_field_errors())
    assert not Pairing.objects.exists()


def test_forged_post_for_a_full_mentor_saves_nothing(as_user, manager, resident, house):
    full = f.ClearedMentorFactory(capacity=1)
    f.PairingFactory(mentor=full, resident__house=house)
    response = forged(as_user(manager), resident, full)
    assert "has no free place (1 of 1 taken)" in response.content.decode()
    assert Pairing.objects.count() == 1


def test_forged_post_for_a_resident_with_a_mentor_saves_nothing(
    as_user, manager, resident, mentor, mentor2
):
    f.PairingFactory(resident=resident, mentor=mentor)
    response = forged(as_user(manager), resident, mentor2)
    assert "This resident already has a mentor." in response.content.decode()
    assert Pairing.objects.count() == 1


def test_forged_post_for_an_exited_resident_saves_nothing(as_user, manager, house, mentor):
    gone = f.ResidentFactory(house=house, status="discharged", exit_date=timezone.localdate())
    response = forged(as_user(manager), gone, mentor)
    assert "no longer living in the house" in response.content.decode()
    assert not Pairing.objects.exists()


def test_forged_post_pairing_a_mentor_with_themself_saves_nothing(as_user, manager, house):
    mentor = f.ClearedMentorFactory(
        user__first_name="Robin", user__last_name="Hale", phone="5550102000"
    )
    resident = f.ResidentFactory(
        house=house, first_name="Robin", last_name="Hale", phone="555-010-2000"
    )
    response = forged(as_user(manager), resident, mentor)
    assert "A mentor cannot be paired with themself." in response.content.decode()
    assert not Pairing.objects.exists()


# --- Scope ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["suggest", "pair"])
def test_a_manager_of_another_house_gets_404(as_user, manager2, house2, resident, mentor, name):
    url = suggest_url(resident) if name == "suggest" else pair_url(resident, mentor)
    client = as_user(manager2)
    assert client.get(url).status_code == 404
    assert client.post(url, {"checkin_interval_days": "7", "term": "x"}).status_code == 404
    assert not Pairing.objects.exists()


@pytest.mark.parametrize("name", ["suggest", "pair"])
def test_mentors_cannot_create_pairings(as_user, resident, mentor, name):
    url = suggest_url(resident) if name == "suggest" else pair_url(resident, mentor)
    client = as_user(mentor.user)
    assert client.get(url).status_code == 404
    assert client.post(url, {"checkin_interval_days": "7"}).status_code == 404
    assert not Pairing.objects.exists()


@pytest.mark.parametrize("name", ["suggest", "pair"])
def test_anonymous_users_go_to_login(client, resident, mentor, name):
    url = suggest_url(resident) if name == "suggest" else pair_url(resident, mentor)
    response = client.post(url, {"checkin_interval_days": "7"})
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert not Pairing.objects.exists()


def test_an_unknown_mentor_is_404(as_user, manager, resident):
    url = reverse("matching:pair", args=[resident.pk, 999999])
    assert as_user(manager).post(url, {"checkin_interval_days": "7"}).status_code == 404


@pytest.mark.parametrize("count", [2, 15])
def test_the_suggestions_page_runs_a_fixed_number_of_queries(
    as_user, manager, resident, count, django_assert_max_num_queries
):
    resident.languages.add(Language.objects.get(code="es"))
    for i in range(count):
        m = f.ClearedMentorFactory(serves_all_houses=i % 2 == 0)
        m.languages.add(Language.objects.get(code="es" if i % 3 else "en"))
        m.houses.add(resident.house)
    client = as_user(manager)
    client.post(suggest_url(resident), {"term": "a"})  # suggestions and search results both
    with django_assert_max_num_queries(19):
        assert client.get(suggest_url(resident)).status_code == 200
