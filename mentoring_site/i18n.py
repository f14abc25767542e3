"""Languages: whose language a page, an email or a text is in (README "Languages").

- `UserLanguageMiddleware` (after AuthenticationMiddleware): a signed-in user's own choice
  (`User.preferred_language`) wins over the session/cookie and the browser's Accept-Language,
  which Django's LocaleMiddleware reads first. Read on every request, so a change on one device
  holds on every other at once; it costs no query (the user is loaded for the session anyway).
- `language_for(person)`: a user's or a resident's language for what is sent to them, "" when
  they have not chosen (then the site default, settings.LANGUAGE_CODE, for emails).
- `override_for(person)`: `translation.override` for that person; wrap each render of an email,
  a text or a resident's page in it.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

LANGUAGE_CODES = frozenset(code for code, _ in settings.LANGUAGES)


def language_choices(*, blank: str) -> list[tuple[str, str]]:
    """("", blank) then the site's languages, each named in itself (as LANGUAGES has them)."""
    return [("", blank), *settings.LANGUAGES]


def language_for(person) -> str:
    """The person's chosen language code if the site has it, else ""."""
    code = getattr(person, "preferred_language", "") or ""
    return code if code in LANGUAGE_CODES else ""


def override_for(person, *, default: str | None = None):
    """A context manager rendering in `person`'s language; without a choice, `default` (the
    request's language for a page), else the site default (for emails and texts)."""
    return translation.override(language_for(person) or default or settings.LANGUAGE_CODE)


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            code = language_for(user)
            if code:
                translation.activate(code)
                request.LANGUAGE_CODE = code
        return self.get_response(request)
