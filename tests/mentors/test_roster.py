"""The roster: staff only, cleared or not and why, mentees of capacity, filters, a search kept
out of URLs, pages, and a fixed number of queries whatever the size."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring_site.models import User
from mentors.models import Mentor, TrainingCourse, TrainingRecord
from mentors.views import SEARCH_SESSION_KEY
from residents.models import Language, RecoveryPathway
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = reverse("mentors:list")
CRISIS = "Crisis intervention and de-escalation"


def names(response) -> list[str]:
    return [r.mentor.user.first_name for r in response.context["rows"]]


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_mentor_gets_404(as_user, mentor):
    assert as_user(mentor.user).get(URL).status_code == 404


def test_managers_and_admins_see_every_mentor(as_user, manager, program_admin, mentor, mentor2):
    for user in (manager, program_admin):
        response = as_user(user).get(URL)
        assert response.status_code == 200
        assert names(response) == ["Jordan", "Sam"]


def test_it_says_who_is_cleared_and_why_not(as_user, manager):
    f.ClearedMentorFactory(user__first_name="Ann")
    lapsed = f.ClearedMentorFactory(user__first_name="Bea")
    TrainingRecord.objects.filter(mentor=lapsed, course__name=CRISIS).update(
        expires_on=dt.date(2026, 3, 3), completed_on=dt.date(2024, 3, 3)
    )
    f.MentorFactory(user__first_name="Cal", status=Mentor.Status.IN_TRAINING)
    response = as_user(manager).get(URL)
    rows = {r.mentor.user.first_name: r.clearance for r in response.context["rows"]}
    assert rows["Ann"].cleared
    assert rows["Bea"].reasons == [f"{CRISIS} expired 3 March 2026"]
    assert rows["Cal"].reasons[0] == "Status is in training"
    content = response.content.decode()
    assert f"{CRISIS} expired 3 March 2026" in content
    assert "Not cleared" in content


def test_it_shows_active_mentees_of_capacity(as_user, manager, mentor):
    f.PairingFactory(mentor=mentor)
    f.PairingFactory(mentor=mentor)
    f.PairingFactory(mentor=mentor, status="ended")
    response = as_user(manager).get(URL)
    assert "2 of 3 mentees" in response.content.decode()


def test_filters_by_cleared_status_house_language_and_pathway(as_user, manager, house, house2):
    spanish = Language.objects.get(code="es")
    smart = RecoveryPathway.objects.get(slug="smart-recovery")
    ann = f.ClearedMentorFactory(user__first_name="Ann", serves_all_houses=False)
    ann.houses.add(house)
    ann.languages.add(spanish)
    bea = f.ClearedMentorFactory(user__first_name="Bea", serves_all_houses=False)
    bea.houses.add(house2)
    bea.pathways.add(smart)
    f.MentorFactory(user__first_name="Cal", serves_all_houses=True)
    client = as_user(manager)
    assert names(client.get(URL, {"cleared": "yes"})) == ["Ann", "Bea"]
    assert names(client.get(URL, {"cleared": "no"})) == ["Cal"]
    assert names(client.get(URL, {"status": "applicant"})) == ["Cal"]
    # Mentors who serve every house count for each house.
    assert names(client.get(URL, {"house": house.pk})) == ["Ann", "Cal"]
    assert names(client.get(URL, {"language": spanish.pk})) == ["Ann"]
    assert names(client.get(URL, {"pathway": smart.pk})) == ["Bea"]
    assert names(client.get(URL, {"cleared": "yes", "house": house2.pk})) == ["Bea"]


def test_a_bad_filter_value_shows_everyone_instead_of_failing(as_user, manager, mentor):
    response = as_user(manager).get(URL, {"house": "nope", "status": "<b>"})
    assert response.status_code == 200
    assert names(response) == ["Sam"]


def test_search_is_posted_kept_in_the_session_and_never_in_the_url(as_user, manager):
    f.MentorFactory(user__first_name="Rosalind", user__last_name="Quist")
    f.MentorFactory(user__first_name="Bart", user__last_name="Simmons")
    client = as_user(manager)
    response = client.post(URL + "?status=applicant", {"q": "rosalind quist"})
    assert response.status_code == 302
    assert "rosa" not in response["Location"].lower()
    assert "status=applicant" in response["Location"]
    assert client.session[SEARCH_SESSION_KEY] == "rosalind quist"
    assert names(client.get(response["Location"])) == ["Rosalind"]


def test_search_matches_email_too_and_clear_removes_it(as_user, manager):
    f.MentorFactory(user__first_name="Ann", user__email="ann.zed@example.org")
    f.MentorFactory(user__first_name="Bo")
    client = as_user(manager)
    client.post(URL, {"q": "ann.zed"})
    assert names(client.get(URL)) == ["Ann"]
    client.post(URL, {"q": "ann.zed", "clear": "1"})
    assert SEARCH_SESSION_KEY not in client.session
    assert names(client.get(URL)) == ["Ann", "Bo"]


def test_the_search_term_is_shown_escaped(as_user, manager):
    client = as_user(manager)
    client.post(URL, {"q": "<script>x</script>"})
    content = client.get(URL).content.decode()
    assert "<script>x</script>" not in content
    assert "No mentor matches" in content


def test_a_huge_search_is_ignored_not_an_error(as_user, manager, mentor):
    client = as_user(manager)
    assert client.post(URL, {"q": "x" * 5000}).status_code == 302
    assert SEARCH_SESSION_KEY not in client.session


def test_empty_roster_invites_adding_the_first_mentor(as_user, manager):
    content = as_user(manager).get(URL).content.decode()
    assert "No mentors yet" in content
    assert reverse("mentors:create") in content


def test_it_pages_25_at_a_time(as_user, manager):
    for i in range(27):
        f.MentorFactory(user__first_name=f"M{i:02d}")
    client = as_user(manager)
    first = client.get(URL)
    assert len(first.context["rows"]) == 25
    second = client.get(URL, {"page": 2})
    assert names(second) == ["M25", "M26"]


def _mentors_with_training(count: int) -> None:
    """`count` cleared mentors with their training and a language, inserted in bulk (fast)."""
    today = timezone.localdate()
    courses = list(TrainingCourse.objects.all())
    english = Language.objects.get(code="en")
    users = User.objects.bulk_create(
        [User(email=f"bulk{i}@example.org", first_name=f"Mentor{i:03d}") for i in range(count)]
    )
    mentors = Mentor.objects.bulk_create(
        [
            Mentor(user=u, status=Mentor.Status.ACTIVE, recovery_since=dt.date(2015, 1, 1))
            for u in users
        ]
    )
    Mentor.languages.through.objects.bulk_create(
        [Mentor.languages.through(mentor_id=m.pk, language_id=english.pk) for m in mentors]
    )
    on = today - dt.timedelta(days=30)
    TrainingRecord.objects.bulk_create(
        [
            TrainingRecord(
                mentor=m, course=c, completed_on=on, expires_on=c.expiry_for(on), hours=c.hours
            )
            for m in mentors
            for c in courses
            if c.required or m.pk % 3 == 0
        ]
    )


@pytest.mark.parametrize("count", [5, 200])
def test_the_roster_runs_a_fixed_number_of_queries(
    count, as_user, manager, house, django_assert_max_num_queries
):
    _mentors_with_training(count)
    client = as_user(manager)
    # Measured 12: session, user, role, count, rows, 3 prefetches (languages, houses, training),
    # required courses, and the filter form's houses, languages and pathways. 2 of headroom.
    with django_assert_max_num_queries(14):
        response = client.get(URL, {"house": house.pk, "cleared": "no"})
    assert response.status_code == 200
    with django_assert_max_num_queries(14):
        response = client.get(URL)
    assert len(response.context["rows"]) == min(count, 25)
    assert all(r.clearance.cleared for r in response.context["rows"])
