"""`{% id_url %}` gives exactly what `{% url %}` gives, for every name the dashboard uses."""

from __future__ import annotations

import pytest
from django.template import engines
from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils import translation

from activity_log.templatetags.row_urls import id_url

NAMES = [
    "residents:detail",
    "activity_log:concern_acknowledge",
    "matching:detail",
    "matching:suggest",
    "mentors:detail",
    "activity_log:feedback_response",
    "groups:attendance",
    "admin:activity_log_reminder_change",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("language", ["en", "es"])
def test_id_url_is_the_url_tag(name, language):
    with translation.override(language):
        for pk in (1, 7, 42, 1234567):
            assert id_url(name, pk) == reverse(name, args=[pk])
        set_script_prefix("/mentoring/")
        try:
            assert id_url(name, 5) == reverse(name, args=[5])
            assert id_url(name, 5).startswith("/mentoring/")
        finally:
            clear_script_prefix()
        assert id_url(name, 5) == reverse(name, args=[5])


def test_the_tag_renders_the_same_html_as_url():
    django_engine = engines["django"]
    for name in NAMES:
        new = django_engine.from_string(
            '{% load row_urls %}<a href="{% id_url name pk %}">x</a>'
        ).render({"name": name, "pk": 31})
        old = django_engine.from_string('<a href="{% url name pk %}">x</a>').render(
            {"name": name, "pk": 31}
        )
        assert new == old
