"""`{% id_url "residents:detail" resident.pk %}`: `{% url %}` for one integer id, for long lists.

Django's `{% url %}` walks the resolver on every call (~50-150 us); a dashboard draws ~150 row
links (all houses), a quarter of its template time. `id_url` reverses each URL name once with a
placeholder id and then fills in the id: the same URL (a test compares both for every name the
dashboard uses). The pieces are kept per URL name, script prefix, URLconf and language, so a
change of any of them reverses again.
"""

from __future__ import annotations

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

register = template.Library()

_PLACEHOLDER = 918273645546372819
_pieces: dict[tuple, tuple[str, str]] = {}


def id_url(name: str, pk: int) -> str:
    key = (name, get_script_prefix(), get_urlconf(), get_language())
    pieces = _pieces.get(key)
    if pieces is None:
        before, found, after = reverse(name, args=[_PLACEHOLDER]).partition(str(_PLACEHOLDER))
        if not found:  # a converter changed the id: no shortcut for this name
            return reverse(name, args=[pk])
        pieces = _pieces[key] = (before, after)
    return f"{pieces[0]}{int(pk)}{pieces[1]}"


register.simple_tag(id_url, name="id_url")
