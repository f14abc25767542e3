"""Which mentors to suggest for a resident, with a score and the reasons in plain words.

Hard rules (a mentor who fails one is never suggested): cleared, a free place, not away,
serves the resident's house or all houses, never ended with "not a good fit" for this resident, and not the
resident themself. Soft scores (added up, highest first):

    the resident's preferred mentor gender   +40
    languages: all of the resident's         +25, some of them +15
    a shared recovery pathway                +20
    fewer current mentees                    +15 with none, +10 with one, +5 with two
    time in recovery                         +1 per full year, at most +10

The whole score is computed by the database in one query (subqueries per rule), then the top
mentors' languages, pathways and houses are prefetched: a fixed number of queries whatever the
number of mentors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matching.models import Pairing
from matching.services import is_same_person
from mentors.models import Mentor
from residents.models import Resident

TOP = 5
SEARCH_LIMIT = 10

GENDER_POINTS = 40
LANGUAGE_POINTS = 25  # the mentor speaks every language the resident does
SOME_LANGUAGE_POINTS = 15  # ...or at least one of them
PATHWAY_POINTS = 20
LOAD_POINTS = 15  # minus 5 per current mentee
MAX_RECOVERY_YEARS = 10


@dataclass
class Suggestion:
    mentor: Mentor
    score: int
    active_mentees: int
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def free_places(self) -> int:
        return self.mentor.capacity - self.active_mentees


@dataclass
class ResidentFacts:
    """What the rules need to know about the resident, read once (share it between calls)."""

    resident: Resident
    language_ids: set[int]
    pathway_ids: set[int]
    same_person_ids: set[int]
    languages: list = field(default_factory=list)  # the resident's, by name


def resident_facts(resident: Resident) -> ResidentFacts:
    languages = list(resident.languages.order_by("name"))
    language_ids = {lang.pk for lang in languages}
    pathway_ids = set(resident.pathways.values_list("pk", flat=True))
    # See services.is_same_person for why this is a name-and-phone heuristic.
    namesakes = Mentor.objects.select_related("user").filter(
        user__first_name__iexact=resident.first_name.strip(),
        user__last_name__iexact=resident.last_name.strip(),
    )
    same_person_ids = {m.pk for m in namesakes if is_same_person(mentor=m, resident=resident)}
    return ResidentFacts(resident, language_ids, pathway_ids, same_person_ids, languages)


def _points_if_shared(model, ids: set[int], column: str, points: int) -> Case | Value:
    """`points` when the mentor has any of `ids` (their languages or pathways), else 0."""
    if not ids:
        return Value(0)
    shared = model.objects.filter(mentor_id=OuterRef("pk"), **{f"{column}__in": ids})
    return Case(When(Exists(shared), then=Value(points)), default=Value(0))


def _language_points(ids: set[int]) -> Case | Value:
    """25 when the mentor speaks all of the resident's languages, 15 when some, else 0."""
    if not ids:
        return Value(0)
    shared = Coalesce(
        Subquery(
            Mentor.languages.through.objects.filter(mentor_id=OuterRef("pk"), language_id__in=ids)
            .annotate(n=Func(F("pk"), function="COUNT"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )
    return Case(
        When(GreaterThanOrEqual(shared, Value(len(ids))), then=Value(LANGUAGE_POINTS)),
        When(GreaterThan(shared, Value(0)), then=Value(SOME_LANGUAGE_POINTS)),
        default=Value(0),
    )


def _scored_mentors(facts: ResidentFacts, today: dt.date) -> QuerySet[Mentor]:
    """Cleared mentors with room and not the resident, annotated with every part of the score."""
    resident = facts.resident
    gender = resident.preferred_mentor_gender
    recovery_years = Case(
        *[
            When(
                recovery_since__lte=_years_before(today, years),
                then=Value(years),
            )
            for years in range(MAX_RECOVERY_YEARS, 0, -1)
        ],
        default=Value(0),
        output_field=IntegerField(),
    )
    # Parts of the score are aliases (not selected), so each subquery appears once in the SQL.
    return (
        Mentor.objects.cleared(today)
        .exclude(pk__in=facts.same_person_ids)
        # Away ("away from ... back on ..." covers today): never suggested, nor found.
        .exclude(away_from__lte=today, back_on__gt=today)
        .with_active_mentee_count()
        .filter(active_mentees__lt=F("capacity"))
        .annotate(
            serves_house=ExpressionWrapper(
                Q(serves_all_houses=True)
                | Exists(
                    Mentor.houses.through.objects.filter(
                        mentor_id=OuterRef("pk"), house_id=resident.house_id
                    )
                ),
                output_field=BooleanField(),
            ),
            not_a_good_fit=Exists(
                Pairing.objects.filter(
                    mentor_id=OuterRef("pk"),
                    resident_id=resident.pk,
                    end_reason=Pairing.EndReason.NOT_A_GOOD_FIT,
                )
            ),
            recovery_years=recovery_years,
        )
        .alias(
            gender_points=(
                Case(When(gender=gender, then=Value(GENDER_POINTS)), default=Value(0))
                if gender
                else Value(0)
            ),
            language_points=_language_points(facts.language_ids),
            pathway_points=_points_if_shared(
                Mentor.pathways.through, facts.pathway_ids, "recoverypathway_id", PATHWAY_POINTS
            ),
            # 15 with no mentee, 10 with one, 5 with two, 0 from three.
            load_points=Greatest(Value(LOAD_POINTS) - Value(5) * F("active_mentees"), Value(0)),
        )
        .annotate(
            score=F("gender_points")
            + F("language_points")
            + F("pathway_points")
            + F("load_points")
            + F("recovery_years")
        )
        .select_related("user")
        .prefetch_related("languages", "pathways", "houses")
        .order_by("-score", "active_mentees", "recovery_since", "pk")
    )


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def suggest_mentors(
    resident: Resident,
    *,
    today: dt.date | None = None,
    exclude_mentor_ids: tuple[int, ...] = (),
    limit: int = TOP,
    facts: ResidentFacts | None = None,
) -> list[Suggestion]:
    """The best `limit` mentors for the resident under the hard rules, best first."""
    today = today or timezone.localdate()
    facts = facts or resident_facts(resident)
    mentors = (
        _scored_mentors(facts, today)
        .filter(serves_house=True, not_a_good_fit=False)
        .exclude(pk__in=exclude_mentor_ids)[:limit]
    )
    return [_explain(mentor, facts) for mentor in mentors]


def search_mentors(
    resident: Resident,
    term: str,
    *,
    today: dt.date | None = None,
    exclude_mentor_ids: tuple[int, ...] = (),
    limit: int = SEARCH_LIMIT,
    facts: ResidentFacts | None = None,
) -> list[Suggestion]:
    """Any cleared mentor with a free place whose name matches, with warnings where a
    suggestion rule would have left them out (another house, not a good fit before)."""
    today = today or timezone.localdate()
    words = term.split()[:5]
    if not words:
        return []
    facts = facts or resident_facts(resident)
    mentors = _scored_mentors(facts, today).exclude(pk__in=exclude_mentor_ids)
    for word in words:
        mentors = mentors.filter(
            Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(user__email__istartswith=word)
        )
    return [_explain(mentor, facts) for mentor in mentors[:limit]]


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return _("%(list)s and %(last)s") % {"list": ", ".join(words[:-1]), "last": words[-1]}


def _explain(mentor: Mentor, facts: ResidentFacts) -> Suggestion:
    resident = facts.resident
    suggestion = Suggestion(mentor=mentor, score=mentor.score, active_mentees=mentor.active_mentees)
    reasons, warnings = suggestion.reasons, suggestion.warnings
    wanted = resident.preferred_mentor_gender
    if wanted:
        wanted_label = Resident.MentorGender(wanted).label.lower()
        if mentor.gender == wanted:
            reasons.append(
                _("Is a %(gender)s, as %(name)s prefers")
                % {"gender": wanted_label, "name": resident.preferred_name}
            )
        else:
            warnings.append(
                _("%(name)s would prefer a %(gender)s")
                % {"gender": wanted_label, "name": resident.preferred_name}
            )
    spoken = {lang.pk for lang in mentor.languages.all()}
    languages = [str(lang) for lang in mentor.languages.all() if lang.pk in facts.language_ids]
    if languages:
        missing = [str(lang) for lang in facts.languages if lang.pk not in spoken]
        if missing:
            reasons.append(
                _("Speaks %(spoken)s (not %(missing)s)")
                % {"spoken": _join(languages), "missing": _join(missing)}
            )
        else:
            reasons.append(_("Speaks %(spoken)s") % {"spoken": _join(languages)})
    pathways = [str(p) for p in mentor.pathways.all() if p.pk in facts.pathway_ids]
    if pathways:
        reasons.append(_("Both use %(pathways)s") % {"pathways": _join(pathways)})
    reasons.append(
        ngettext(
            "%(taken)d of %(capacity)d place taken",
            "%(taken)d of %(capacity)d places taken",
            mentor.capacity,
        )
        % {"taken": mentor.active_mentees, "capacity": mentor.capacity}
    )
    years = mentor.recovery_years
    if years:
        if years >= MAX_RECOVERY_YEARS:
            reasons.append(
                ngettext("%(years)d+ year in recovery", "%(years)d+ years in recovery", years)
                % {"years": years}
            )
        else:
            reasons.append(
                ngettext("%(years)d year in recovery", "%(years)d years in recovery", years)
                % {"years": years}
            )
    if mentor.serves_all_houses:
        reasons.append(_("Serves all houses"))
    elif mentor.serves_house:
        reasons.append(_("Serves %(house)s") % {"house": resident.house.name})
    else:
        served = _join([h.name for h in mentor.houses.all()]) or _("no house yet")
        warnings.append(
            _("Does not serve %(house)s (serves %(served)s)")
            % {"house": resident.house.name, "served": served}
        )
    if mentor.not_a_good_fit:
        warnings.append(
            _("An earlier pairing with %(name)s ended: not a good fit")
            % {"name": resident.preferred_name}
        )
    return suggestion
