"""Reads the resident pages share."""

from __future__ import annotations

import functools

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F, FilteredRelation, Q, QuerySet
from django.utils.translation import gettext

from mentoring_site.shortcuts import visible_or_404
from residents.models import (
    ConsentRecord,
    GoalProgress,
    House,
    RecoveryGoal,
    Resident,
)

SORTS = {
    "name": ("preferred_name", "last_name", "id"),
    "-name": ("-preferred_name", "-last_name", "-id"),
    "move_in": ("move_in_date", "id"),
    "-move_in": ("-move_in_date", "-id"),
}
User = get_user_model()

# What a row of the resident list shows (residents/list.html).
LIST_FIELDS = (
    "id",
    "preferred_name",
    "first_name",
    "last_name",
    "status",
    "move_in_date",
    "exit_date",
    "house_id",
)
STATUS_FILTERS = ["active", "graduated", "moved_out", "discharged", "all"]


def resident_list(
    *,
    user,
    search: str = "",
    house_id: int | None = None,
    status: str = "active",
    sort: str = "name",
) -> QuerySet[Resident]:
    """Residents the user may see, filtered and sorted for the resident list (count it; show
    `with_list_columns` of it)."""
    qs = Resident.objects.visible_to(user)
    if house_id:
        qs = qs.filter(house_id=house_id)
    if status in Resident.Status.values:
        qs = qs.filter(status=status)
    for term in search.split()[:5]:
        qs = qs.filter(
            Q(preferred_name__icontains=term)
            | Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
        )
    return qs.order_by(*SORTS.get(sort, SORTS["name"]))


def with_list_columns(residents: QuerySet[Resident]) -> QuerySet[Resident]:
    """What a row of the resident list shows: only those fields, the house id (the view has the
    names of the houses the user sees, for the filter), and the open pairing's mentor as
    `mentor_first_name` / `mentor_last_name` (None: no mentor), in one query.
    """
    # A resident has at most one open pairing (the `one_open_pairing_per_resident` constraint),
    # so a LEFT JOIN reads the mentor without repeating a row (PostgreSQL plans and runs it in
    # a fraction of a subquery per name's time). The model is named, not imported: imports run
    # activity_log -> matching -> mentors -> residents, never back up.
    open_statuses = apps.get_model("matching", "Pairing").OPEN_STATUSES
    return residents.annotate(
        open_pairing=FilteredRelation("pairings", condition=Q(pairings__status__in=open_statuses)),
        mentor_first_name=F("open_pairing__mentor__user__first_name"),
        mentor_last_name=F("open_pairing__mentor__user__last_name"),
    ).only(*LIST_FIELDS)


def resident_for_page(*, user, pk: int) -> Resident:
    """One resident with their house, or Resident.DoesNotExist (the page's consents:
    `consents_for_page`, its goals: `goals_with_steps`)."""
    return Resident.objects.visible_to(user).select_related("house").get(pk=pk)


def consents_for_page(resident: Resident) -> list[ConsentRecord]:
    """The resident's consent records, newest first (the first is `current_consent()`), each
    with its recorder's name and email: one plain query (a prefetch cost twice the Python)."""
    return list(
        ConsentRecord.objects.filter(resident_id=resident.pk)
        .select_related("recorded_by")
        .only(
            *_fields(ConsentRecord),
            "recorded_by__first_name",
            "recorded_by__last_name",
            "recorded_by__email",
        )
        .order_by("-granted_on", "-id")
    )


def goals_with_steps(resident: Resident) -> list[RecoveryGoal]:
    """The resident's goals (open first, by target date), each with its progress steps in order
    as `goal.steps` and each step's author (first name and email only): one query, a LEFT JOIN
    (a goal with no step yet comes back once, with no step)."""
    goal_fields = [f.name for f in RecoveryGoal._meta.concrete_fields]
    step_fields = [f.name for f in GoalProgress._meta.concrete_fields]
    rows = (
        RecoveryGoal.objects.filter(resident=resident)
        .order_by("status", "target_date", "id", "progress__at", "progress__id")
        .values_list(
            *goal_fields,
            *(f"progress__{name}" for name in step_fields),
            "progress__by__first_name",
            "progress__by__email",
        )
    )
    db = rows.db
    goals: dict[int, RecoveryGoal] = {}
    n, m = len(goal_fields), len(step_fields)
    for row in rows:
        goal = goals.get(row[0])
        if goal is None:
            goal = goals[row[0]] = RecoveryGoal.from_db(db, goal_fields, row[:n])
            goal.steps = []
        step = row[n : n + m]
        if step[0] is None:  # no step: the LEFT JOIN's empty side
            continue
        step = GoalProgress.from_db(db, step_fields, step)
        if step.by_id is not None:
            step.by = User.from_db(db, ["id", "first_name", "email"], [step.by_id, *row[n + m :]])
        goal.steps.append(step)
    return list(goals.values())


def languages_and_pathways(resident: Resident) -> tuple[list[str], list[str]]:
    """The resident's languages and recovery pathways, each by name in the reader's language,
    in the order of their models (by name): one query for both lists, in plain SQL (the ORM's
    UNION cost more to build than to run)."""
    names: dict[str, list[str]] = {"language": [], "pathway": []}
    with connection.cursor() as cursor:
        cursor.execute(_languages_and_pathways_sql(), [resident.pk, resident.pk])
        for kind, name in cursor.fetchall():
            names[kind].append(gettext(name))  # as str(Language) and str(RecoveryPathway) do
    return names["language"], names["pathway"]


@functools.cache
def _languages_and_pathways_sql() -> str:
    """languages_and_pathways' query, worked out once from the models' tables and columns."""
    q = connection.ops.quote_name
    parts = []
    for kind, field in (("language", "languages"), ("pathway", "pathways")):
        m2m = Resident._meta.get_field(field)
        through = m2m.remote_field.through._meta
        lookup = m2m.related_model._meta
        parts.append(
            f"SELECT '{kind}' AS kind, t.{q('name')} AS name"
            f" FROM {q(through.db_table)} r INNER JOIN {q(lookup.db_table)} t"
            f" ON t.{q(lookup.pk.column)} = r.{q(m2m.m2m_reverse_name())}"
            f" WHERE r.{q(m2m.m2m_column_name())} = %s"
        )
    return " UNION ALL ".join(parts) + " ORDER BY 1, 2"


def _fields(model) -> list[str]:
    """Every concrete field of `model` by name (for .only() next to a related model's few)."""
    return [f.name for f in model._meta.concrete_fields]


def resident_possible_duplicates(
    *, house: House, first_name: str, last_name: str, preferred_name: str = ""
) -> QuerySet[Resident]:
    """Active residents of the house with the same legal or preferred name (intake warning)."""
    same_legal = Q(first_name__iexact=first_name.strip(), last_name__iexact=last_name.strip())
    names = same_legal
    if preferred_name.strip():
        names |= Q(preferred_name__iexact=preferred_name.strip(), last_name__iexact=last_name)
    return Resident.objects.active().filter(names, house=house)


def resident_for(user, pk) -> Resident:
    """The resident `pk`, with their house, if `user` may see them; 404 otherwise."""
    return visible_or_404(Resident.objects.select_related("house"), user, pk)
