"""The one way a view fetches a record by id: through the model's `visible_to(user)`, 404 when
the user may not see it (whether or not it exists), so no page or status hints at records the
user cannot see. Apps name their common shapes on top of it (residents.selectors.resident_for,
mentors.selectors.mentor_for)."""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404


def visible_or_404(queryset: QuerySet, user, pk) -> Model:
    """`queryset.visible_to(user).get(pk=pk)`, or Http404."""
    return get_object_or_404(queryset.visible_to(user), pk=pk)
