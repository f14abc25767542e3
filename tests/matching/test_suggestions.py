"""Suggestions: hard rules exclude, soft rules order, reasons say why, queries stay fixed."""

import datetime as dt

import pytest
from django.utils import timezone

from matching.suggestions import search_mentors, suggest_mentors
from residents.models import Language, RecoveryPathway
from tests import factories as f

pytestmark = pytest.mark.django_db


def years_ago(years: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=365 * years + 2)


def mentor(**kwargs):
    kwargs.setdefault("recovery_since", years_ago(5))
    return f.ClearedMentorFactory(**kwargs)


def spanish() -> Language:
    return Language.objects.get(code="es")


def smart() -> RecoveryPathway:
    return RecoveryPathway.objects.get(slug="smart-recovery")


@pytest.fixture
def resident(house):
    return f.ResidentFactory(house=house, preferred_name="Ana")


def ids(suggestions) -> list[int]:
    return [s.mentor.pk for s in suggestions]


# --- Hard rules ------------------------------------------------------------------------------


def test_a_cleared_mentor_with_room_serving_all_houses_is_suggested(resident):
    ok = mentor()
    assert ids(suggest_mentors(resident)) == [ok.pk]


def test_uncleared_mentors_are_never_suggested(resident):
    f.MentorFactory()  # applicant
    mentor(status="on_break")
    mentor(trained=False)
    mentor(recovery_since=timezone.localdate() - dt.timedelta(days=100))
    assert suggest_mentors(resident) == []


def test_full_mentors_are_never_suggested(resident, house):
    full = mentor(capacity=1)
    f.PairingFactory(mentor=full, resident__house=house)
    none = mentor(capacity=0)
    assert full.pk not in ids(suggest_mentors(resident))
    assert none.pk not in ids(suggest_mentors(resident))


def test_mentors_of_other_houses_are_not_suggested(resident, house, house2):
    other = mentor(serves_all_houses=False)
    other.houses.add(house2)
    mine = mentor(serves_all_houses=False)
    mine.houses.add(house)
    assert ids(suggest_mentors(resident)) == [mine.pk]


def test_a_mentor_once_ended_as_not_a_good_fit_is_not_suggested_again(resident):
    bad_fit = mentor()
    completed = mentor()
    for m, reason in ((bad_fit, "not_a_good_fit"), (completed, "completed")):
        f.PairingFactory(
            mentor=m,
            resident=resident,
            status="ended",
            ended_on=timezone.localdate(),
            end_reason=reason,
        )
    assert ids(suggest_mentors(resident)) == [completed.pk]


def test_the_resident_themself_is_not_suggested(house):
    resident = f.ResidentFactory(
        house=house, first_name="Robin", last_name="Hale", phone="555 010 2000"
    )
    themself = mentor(user__first_name="Robin", user__last_name="Hale", phone="(555) 010-2000")
    namesake = mentor(user__first_name="Robin", user__last_name="Hale", phone="555 999 0000")
    assert ids(suggest_mentors(resident)) == [namesake.pk]
    assert themself.pk not in ids(search_mentors(resident, "Robin"))


def test_at_most_five_are_suggested(resident):
    for _ in range(7):
        mentor()
    assert len(suggest_mentors(resident)) == 5


# --- Soft rules ------------------------------------------------------------------------------


def test_the_preferred_mentor_gender_comes_first(house):
    resident = f.ResidentFactory(house=house, preferred_mentor_gender="woman")
    man = mentor(gender="man")
    woman = mentor(gender="woman")
    suggestions = suggest_mentors(resident)
    assert ids(suggestions) == [woman.pk, man.pk]
    assert suggestions[0].score - suggestions[1].score == 40


def test_a_shared_language_comes_first(resident):
    resident.languages.add(spanish())
    other = mentor()
    other.languages.add(Language.objects.get(code="fr"))
    speaker = mentor()
    speaker.languages.add(spanish())
    suggestions = suggest_mentors(resident)
    assert ids(suggestions) == [speaker.pk, other.pk]
    assert suggestions[0].score - suggestions[1].score == 25


def test_speaking_all_the_residents_languages_beats_speaking_some(resident):
    english = Language.objects.get(code="en")
    resident.languages.add(spanish(), english)
    neither = mentor()
    neither.languages.add(Language.objects.get(code="fr"))
    some = mentor()
    some.languages.add(spanish(), Language.objects.get(code="ko"))
    both = mentor()
    both.languages.add(spanish(), english)
    suggestions = suggest_mentors(resident)
    assert ids(suggestions) == [both.pk, some.pk, neither.pk]
    assert [s.score - suggestions[-1].score for s in suggestions] == [25, 15, 0]
    assert "Speaks English and Spanish" in suggestions[0].reasons
    assert "Speaks Spanish (not English)" in suggestions[1].reasons


def test_a_shared_pathway_comes_first(resident):
    resident.pathways.add(smart())
    other = mentor()
    same = mentor()
    same.pathways.add(smart())
    suggestions = suggest_mentors(resident)
    assert ids(suggestions) == [same.pk, other.pk]
    assert suggestions[0].score - suggestions[1].score == 20


def test_fewer_current_mentees_beats_one_more_year_in_recovery(resident, house):
    busy = mentor(recovery_since=years_ago(6))
    f.PairingFactory(mentor=busy, resident__house=house)
    free = mentor(recovery_since=years_ago(5))
    suggestions = suggest_mentors(resident)
    assert ids(suggestions) == [free.pk, busy.pk]
    assert [s.score for s in suggestions] == [15 + 5, 10 + 6]


def test_longer_time_in_recovery_comes_first(resident):
    newer = mentor(recovery_since=years_ago(2))
    longer = mentor(recovery_since=years_ago(9))
    suggestions = suggest_mentors(resident)
    assert ids(suggestions) == [longer.pk, newer.pk]
    assert suggestions[0].score - suggestions[1].score == 7


def test_recovery_points_stop_at_ten_years(resident):
    m = mentor(recovery_since=years_ago(25))
    (suggestion,) = suggest_mentors(resident)
    assert suggestion.mentor == m
    assert suggestion.score == 15 + 10
    assert "10+ years in recovery" in suggestion.reasons


# --- Reasons ---------------------------------------------------------------------------------


def test_reasons_say_why_in_plain_words(house):
    resident = f.ResidentFactory(house=house, preferred_name="Ana", preferred_mentor_gender="woman")
    resident.languages.add(spanish(), Language.objects.get(code="en"))
    resident.pathways.add(smart())
    m = mentor(gender="woman", capacity=3, recovery_since=years_ago(1))
    m.languages.add(spanish(), Language.objects.get(code="ko"))
    m.pathways.add(smart(), RecoveryPathway.objects.get(slug="12-step"))
    f.PairingFactory(mentor=m, resident__house=house)
    (suggestion,) = suggest_mentors(resident)
    assert suggestion.reasons == [
        "Is a woman, as Ana prefers",
        "Speaks Spanish (not English)",
        "Both use SMART Recovery",
        "1 of 3 places taken",
        "1 year in recovery",
        "Serves all houses",
    ]
    assert suggestion.warnings == []
    assert suggestion.score == 40 + 15 + 20 + 10 + 1  # Spanish but not English: some languages


def test_reasons_name_the_house_and_warn_about_an_unmet_preference(house):
    resident = f.ResidentFactory(house=house, preferred_name="Ana", preferred_mentor_gender="man")
    m = mentor(gender="woman", serves_all_houses=False)
    m.houses.add(house)
    (suggestion,) = suggest_mentors(resident)
    assert "Serves Maple House" in suggestion.reasons
    assert "0 of 3 places taken" in suggestion.reasons
    assert suggestion.warnings == ["Ana would prefer a man"]
    assert not any("Speaks" in r or "Both use" in r for r in suggestion.reasons)


def test_search_finds_any_cleared_mentor_with_room_and_warns_why_it_was_not_suggested(
    resident, house2
):
    far = mentor(user__first_name="Priya", user__last_name="Natarajan", serves_all_houses=False)
    far.houses.add(house2)
    f.PairingFactory(
        mentor=far,
        resident=resident,
        status="ended",
        ended_on=timezone.localdate(),
        end_reason="not_a_good_fit",
    )
    mentor(user__first_name="Priya", user__last_name="Natarajan", status="retired")
    results = search_mentors(resident, "priya nata")
    assert ids(results) == [far.pk]
    assert results[0].warnings == [
        "Does not serve Maple House (serves Harbor House)",
        "An earlier pairing with Ana ended: not a good fit",
    ]
    assert search_mentors(resident, "   ") == []
    assert search_mentors(resident, "zzz") == []


# --- Query count -----------------------------------------------------------------------------


def make_mentors(house, count: int) -> None:
    languages = list(Language.objects.all())
    pathways = list(RecoveryPathway.objects.all())
    for i in range(count):
        m = mentor(serves_all_houses=i % 2 == 0, gender="woman" if i % 3 else "man")
        m.languages.add(languages[i % len(languages)], languages[(i + 1) % len(languages)])
        m.pathways.add(pathways[i % len(pathways)])
        m.houses.add(house)
        if i % 4 == 0:
            f.PairingFactory(mentor=m, resident__house=house)


@pytest.mark.parametrize("count", [3, 20])
def test_suggestions_run_a_fixed_number_of_queries(house, count, django_assert_num_queries):
    resident = f.ResidentFactory(house=house, preferred_mentor_gender="woman")
    resident.languages.add(spanish())
    resident.pathways.add(smart())
    make_mentors(house, count)
    resident = type(resident).objects.select_related("house").get(pk=resident.pk)
    # resident languages, pathways, namesakes, the scored mentors, then prefetched
    # languages, pathways and houses of the top five.
    with django_assert_num_queries(7):
        suggestions = suggest_mentors(resident)
        assert len(suggestions) == min(count, 5)
        for s in suggestions:
            assert s.reasons
