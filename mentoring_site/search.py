"""A name search that never reaches a URL or a log: the term is POSTed, kept in the session, and
the page reloads with a GET (the resident list, the mentor roster, a resident's mentor
suggestions)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect


def search_remember(
    request: HttpRequest, key: str, form: forms.Form, field: str = "q", *, clear: bool = False
) -> str:
    """Keeps the form's term under `key` in the session; a blank term (or `clear`) forgets it."""
    term = form.cleaned_data[field].strip() if form.is_valid() else ""
    if term and not clear:
        request.session[key] = term
    else:
        request.session.pop(key, None)
    return term


def search_term(request: HttpRequest, key: str) -> str:
    """The term kept under `key`, or ""."""
    return request.session.get(key, "")


def redirect_with_filters(
    request: HttpRequest, url: str, *, first_page: bool = True
) -> HttpResponseRedirect:
    """Back to `url` with the page's GET filters (a new search starts on page one)."""
    query = request.GET.copy()
    if first_page:
        query.pop("page", None)
    return redirect(f"{url}?{query.urlencode()}" if query else url)
