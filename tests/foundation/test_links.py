"""`{% id_url %}` gives exactly what `{% url %}` gives, for every name the dashboard uses."""

from __future__ import annotations

import pytest
from django.template import engines
from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils import translation

from mentoring_site.links import id_url

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
        new = django_engine.from_string('<a href="{% id_url name pk %}">x</a>').render(
            {"name": name, "pk": 31}
        )
        old = django_engine.from_string('<a href="{% url name pk %}">x</a>').render(
            {"name": name, "pk": 31}
        )
        assert new == old


def test_each_url_name_is_reversed_once_per_configuration_prefix_and_language():
    """The menu (no ids) and the rows (ids) reuse one reverse() per name, never across URL
    configurations, script prefixes or languages."""
    from django.urls import set_urlconf

    from mentoring_site import links

    links._pieces.cache_clear()
    for _ in range(3):
        assert links.id_url("residents:list") == reverse("residents:list")
        assert links.id_url("residents:detail", 9) == reverse("residents:detail", args=[9])
    assert links._pieces.cache_info().misses == 2
    set_script_prefix("/program/")
    try:
        assert links.id_url("residents:list") == "/program/residents/"
    finally:
        clear_script_prefix()
    set_urlconf("bench.http_site.urls")
    try:
        assert links.id_url("residents:list") == reverse("residents:list")
    finally:
        set_urlconf(None)
    with translation.override("es"):
        links.id_url("residents:list")
    assert links._pieces.cache_info().misses == 5


@pytest.mark.parametrize(
    "name, ids", [("residents:goal_edit", (3, 17)), ("residents:goal_drop", (12, 4567))]
)
def test_several_ids_and_a_row_function(name, ids):
    from mentoring_site.links import id_url, id_url_of

    assert id_url(name, *ids) == reverse(name, args=ids)
    assert id_url_of(name, ids[0])(ids[1]) == reverse(name, args=ids)


def test_the_layout_links_are_the_url_tag(client, db):
    """base.html draws its own links with {% id_url %}: the same hrefs {% url %} gives."""
    page = client.get(reverse("account_login")).content.decode()
    for name in ("home", "set_language", "service_worker", "activity_log:my_mentees"):
        assert f'"{reverse(name)}"' in page, name
    assert "{% id_url" not in page
