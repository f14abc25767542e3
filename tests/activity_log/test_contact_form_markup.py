"""The log form's widgets are drawn in Python (mentoring_site/forms.py PlainHtmlMixin) for speed:
the markup must stay exactly what Django's widget templates give, and the page must not go
back to a template per widget."""

from __future__ import annotations

import pytest
from django import forms
from django.urls import reverse

from activity_log.contacts.forms import ContactLogForm
from mentoring_site.forms import PlainHtmlMixin
from tests import factories as f
from tests.activity_log.contact_support import pairing_for

pytestmark = pytest.mark.django_db

TRICKY = 'Said "hi" & <b>left</b> early; it\'s ok'


def _markup(form: ContactLogForm) -> list[str]:
    out = []
    for field in form:
        out.append(str(field))
        if isinstance(field.field.widget, forms.RadioSelect):
            out += [str(choice.tag()) for choice in field]
    return out


def _forms(resident) -> list[ContactLogForm]:
    goals = resident.goals.all()
    data = {
        "happened_at": "not a date",
        "method": "phone",
        "duration_minutes": "9999",
        "topics": ["1", "2"],
        "wellbeing": "3",
        "notes": TRICKY,
        "follow_up": TRICKY,
        "follow_up_on": "2001-01-01",
        "concern_level": "watch",
        "concern_note": TRICKY,
        "idempotency_key": "0d0c3a0e-1111-4222-8333-944445555666",
    }
    bound = ContactLogForm(data, goals=goals)
    bound.is_valid()
    return [ContactLogForm(initial=ContactLogForm.initial_for(), goals=goals), bound]


def test_widgets_drawn_in_python_match_djangos_templates(monkeypatch, house):
    resident = f.ResidentFactory(house=house)
    f.RecoveryGoalFactory(resident=resident, text='Keep "the job" & <stay>')
    fast = [_markup(form) for form in _forms(resident)]
    monkeypatch.setattr(
        PlainHtmlMixin,
        "_render",
        lambda self, *args, **kwargs: forms.Widget._render(self, *args, **kwargs),
    )
    slow = [_markup(form) for form in _forms(resident)]
    assert fast == slow
    assert any("is-invalid" in html for html in fast[1])
    assert any("&lt;b&gt;left&lt;/b&gt;" in html for html in fast[1])


def test_the_log_form_page_renders_no_template_per_widget(as_user, mentor, house):
    pairing = pairing_for(mentor, house=house)
    response = as_user(mentor.user).get(reverse("activity_log:contact_new", args=[pairing.pk]))
    assert response.status_code == 200
    names = [t.name for t in response.templates]
    assert not [n for n in names if n.startswith("django/forms/")], names
    # The page, its form part (kept by the page cache), the layout, the menu, the error
    # summary and the crisis guidance: each once.
    assert len(names) == len(set(names)) and len(names) <= 6, names


def test_each_choice_list_is_read_once(as_user, mentor, house):
    """Choices come from the queryset's cache, not a fresh QuerySet.iterator() per use (on
    PostgreSQL each of those is a server-side cursor: DECLARE, FETCH, CLOSE)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pairing = pairing_for(mentor, house=house)
    f.RecoveryGoalFactory(resident=pairing.resident)
    f.ConsentRecordFactory(resident=pairing.resident, shares_goals=True)
    client = as_user(mentor.user)
    url = reverse("activity_log:contact_new", args=[pairing.pk])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    reads = [q["sql"] for q in queries if 'FROM "residents_recoverygoal"' in q["sql"]]
    topics = [q["sql"] for q in queries if 'FROM "activity_log_topic"' in q["sql"]]
    assert len(reads) == 1, reads
    assert len(topics) == 1, topics


def test_selects_drawn_in_python_match_djangos_templates(monkeypatch):
    """The roster's filters (mentors.forms.RosterFilterForm) and a select with option groups,
    unbound, bound with choices made and bound with a bad value, with names to escape."""
    from mentoring_site.forms import PlainSelect
    from mentors.forms import RosterFilterForm

    house = f.HouseFactory(name='Oak & "Elm" <House>')
    grouped = forms.ChoiceField(
        choices=[("", "—"), ("Day <1>", [("a", "A & B"), ("b", 'B "quoted"')]), ("c", "C")],
        widget=PlainSelect(attrs={"class": "form-select", "data-x": 'y"z'}),
    )

    class Grouped(forms.Form):
        pick = grouped

    def markup() -> list[str]:
        out = []
        for form in (
            RosterFilterForm(),
            RosterFilterForm({"cleared": "yes", "status": "active", "house": str(house.pk)}),
            RosterFilterForm({"house": "999999", "status": "nonsense"}),
            Grouped(),
            Grouped({"pick": "b"}),
        ):
            if form.is_bound:
                form.is_valid()
            out += [str(field) for field in form]
        return out

    fast = markup()
    monkeypatch.setattr(
        PlainHtmlMixin,
        "_render",
        lambda self, *args, **kwargs: forms.Widget._render(self, *args, **kwargs),
    )
    slow = markup()
    assert fast == slow
    joined = "\n".join(fast)
    assert "Oak &amp; &quot;Elm&quot; &lt;House&gt;" in joined
    assert f'<option value="{house.pk}" selected>' in joined
    assert '<optgroup label="Day &lt;1&gt;">' in joined


def test_the_roster_renders_no_template_per_option_and_reads_each_list_once(as_user, manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user(manager)
    client.get(reverse("mentors:list"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("mentors:list"))
    names = [t.name for t in response.templates]
    assert not [n for n in names if n.startswith("django/forms/")], names
    sql = [q["sql"] for q in queries.captured_queries]
    assert not any(q.lstrip().upper().startswith("DECLARE") for q in sql)
    for table in ("residents_house", "residents_language", "residents_recoverypathway"):
        assert sum(f'FROM "{table}"' in q and "ORDER BY" in q for q in sql) <= 1, table
