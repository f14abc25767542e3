""" "Entirely in Spanish": no English sentence from the catalogue is left in a text.

Every English msgid of locale/es/LC_MESSAGES/django.po (and its plural) is cut at its
placeholders and HTML tags; each piece of three words or more is a phrase that must not appear
in a Spanish page, email or text. Date formats and entries whose Spanish is the same as the
English are left out.
"""

from __future__ import annotations

import functools
import re

import polib

from tests.conftest import ROOT

_CUT = re.compile(r"%\(\w+\)[sd]|%[sd]|<[^>]+>|\{\w*\}")


@functools.cache
def english_phrases() -> frozenset[str]:
    po = polib.pofile(str(ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"))
    phrases = set()
    for entry in po:
        if entry.obsolete or entry.msgctxt == "date format":
            continue
        translations = [entry.msgstr, *entry.msgstr_plural.values()]
        for english in filter(None, (entry.msgid, entry.msgid_plural)):
            for piece in _CUT.split(english):
                piece = piece.strip(" .,:;()·-")
                if len(piece.split()) >= 3 and not any(piece in t for t in translations):
                    phrases.add(piece)
    return frozenset(phrases)


def english_left(text: str) -> list[str]:
    """The catalogue's English phrases found in `text` (whitespace collapsed)."""
    flat = " ".join(text.split())
    return sorted(phrase for phrase in english_phrases() if phrase in flat)
