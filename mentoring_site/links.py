"""`reverse()` for the many links a page draws, each URL name worked out once.

Django's `reverse()` walks the resolver on every call (~50-150 us). A page draws the same menu
on every request, and a list draws the same link shape for each row, so:

- `id_url(name, *ids)` reverses `name` once with placeholder ids, keeps the pieces around them,
  and fills in the integer ids: the URL `reverse(name, args=ids)` gives (tests compare both).
  With no ids it is the URL itself (the menu).
- The pieces are kept per URL name, number of ids, script prefix, URL configuration and
  language, so a change of any of them reverses again. A name whose converter changes an id
  (the placeholder not found in the URL) is reversed every time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# Distinct, same length, none inside another: each marks where one id goes.
_PLACEHOLDERS = tuple(918273645546372810 + n for n in range(4))


@functools.lru_cache(maxsize=512)
def _pieces(name: str, count: int, prefix: str, urlconf, language) -> tuple[str, ...] | None:
    rest = reverse(name, args=_PLACEHOLDERS[:count], urlconf=urlconf)
    pieces = []
    for placeholder in _PLACEHOLDERS[:count]:
        before, found, rest = rest.partition(str(placeholder))
        if not found:
            return None
        pieces.append(before)
    return (*pieces, rest)


def id_url(name: str, *ids: int) -> str:
    """`reverse(name, args=ids)` for integer ids (at most four)."""
    pieces = _pieces(name, len(ids), get_script_prefix(), get_urlconf(), get_language())
    if pieces is None:
        return reverse(name, args=ids)
    parts = [pieces[0]]
    for pk, piece in zip(ids, pieces[1:], strict=True):
        parts += [str(int(pk)), piece]
    return "".join(parts)


def id_url_of(name: str, *leading: int) -> Callable[[int], str]:
    """`id_url` with the leading ids fixed: a function of the last one, for a list's rows (the
    prefix, URL configuration and language are read once, here)."""
    pieces = _pieces(name, len(leading) + 1, get_script_prefix(), get_urlconf(), get_language())
    if pieces is None:
        return functools.partial(id_url, name, *leading)
    head = [pieces[0]]
    for pk, piece in zip(leading, pieces[1:-1], strict=True):
        head += [str(int(pk)), piece]
    before, after = "".join(head), pieces[-1]
    return lambda pk: f"{before}{int(pk)}{after}"
