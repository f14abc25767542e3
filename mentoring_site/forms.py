"""Form helpers every app shares."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import BaseTemporalField
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _


class InvalidMarksMixin:
    """Marks each field with an error `is-invalid`, so Bootstrap shows the message beside it,
    including errors a service raised after the form validated (`form.add_error`)."""

    def add_error(self, field, error) -> None:
        super().add_error(field, error)
        for name in self._errors or {}:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is not None and "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


# --- Widgets drawn in Python -------------------------------------------------------------------

# Django's templates whose whole output is django/forms/widgets/input.html (a chip's `.tag`
# renders radio_option.html or checkbox_option.html without the wrapping label).
INPUT_TEMPLATES = {
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "date",
        "datetime",
        "hidden",
        "email",
        "radio_option",
        "checkbox_option",
    )
}


def _attrs_html(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: in order, False left out, True as a bare name."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _select_html(widget: dict) -> str | None:
    """django/forms/widgets/select.html with select_option.html for each option (the renderer
    strips the whole); None for an option drawn by another template."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            if option["template_name"] != "django/forms/widgets/select_option.html":
                return None
            parts.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                f"{_attrs_html(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts).strip())  # noqa: S308 - every part escaped above


class PlainHtmlMixin:
    """Renders inputs, textareas and selects in Python, with exactly the markup of Django's
    templates (tests/activity_log/test_contact_form_markup.py compares both).

    Each widget costs two or three template renders (input.html includes attrs.html); the log
    form's fields and about 25 chips made template rendering two thirds of the page's time
    (docs/performance.md). Anything else still goes through the templates.
    """

    def _render(self, template_name, context, renderer=None):
        widget = context["widget"]
        if template_name in INPUT_TEMPLATES and not widget.get("wrap_label"):
            value = widget["value"]
            shown = "" if value is None else f' value="{conditional_escape(value)}"'
            return mark_safe(  # noqa: S308 - every part escaped above
                f'<input type="{conditional_escape(widget["type"])}" '
                f'name="{conditional_escape(widget["name"])}"{shown}{_attrs_html(widget["attrs"])}>'
            )
        if template_name == "django/forms/widgets/textarea.html":
            value = conditional_escape(widget["value"]) if widget["value"] else ""
            return mark_safe(  # noqa: S308 - every part escaped above
                f'<textarea name="{conditional_escape(widget["name"])}"'
                f"{_attrs_html(widget['attrs'])}>\n{value}</textarea>"
            )
        if template_name == "django/forms/widgets/select.html":
            drawn = _select_html(widget)
            if drawn is not None:
                return drawn
        return super()._render(template_name, context, renderer)


class PlainSelect(PlainHtmlMixin, forms.Select):
    pass


class ResultCacheChoiceIterator(forms.models.ModelChoiceIterator):
    """Choices from the queryset's result cache: one query per form however often the chips
    are drawn. Django's iterator uses QuerySet.iterator(), which skips that cache and, on
    PostgreSQL, opens a server-side cursor (DECLARE ... WITH HOLD, FETCH, CLOSE) each time."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class CachedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose options are read once per form (ResultCacheChoiceIterator)."""

    iterator = ResultCacheChoiceIterator


# --- Wall-clock times --------------------------------------------------------------------------

SKIPPED_HOUR = _(
    "That time did not happen here: the clocks went forward an hour that night. "
    "Enter the time again."
)


def wall_time(naive: dt.datetime, zone: dt.tzinfo, *, now: dt.datetime | None = None):
    """`naive` as the clocks of `zone` showed it, as an aware datetime.

    The two nights a year the clocks change: a time in the hour they skipped never happened
    (ValidationError, SKIPPED_HOUR); a time in the hour they repeated happened twice, and is
    read as the later of the two unless that one is still to come. Someone logging "1:10" after
    the clocks went back means the 1:10 just gone; a time planned ahead is the first one.
    Django's own field refuses both with a message about "ambiguous" times, and a contact in
    that hour could not be logged at all.
    """
    first = naive.replace(tzinfo=zone, fold=0)
    as_read = first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    if as_read != naive.replace(tzinfo=None):
        raise ValidationError(SKIPPED_HOUR, code="skipped_hour")
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first
    chosen = second if second <= (now or timezone.now()) else first
    # At its fixed offset: a zone's datetime in the repeated hour never compares equal to one
    # in another zone (PEP 495), which would surprise any caller.
    return naive.replace(tzinfo=dt.timezone(chosen.utcoffset()), fold=0)


class WallClockField(forms.DateTimeField):
    """A date and time typed as the house's clocks show it (a `datetime-local` input), read in
    the current time zone (the views activate the house's) through `wall_time`.

    `naive=True` keeps the wall-clock time without a zone, for a form that knows its zone only
    once its other fields are clean (a group session's house); it then calls `wall_time`.
    """

    def __init__(self, *, naive: bool = False, **kwargs) -> None:
        self.naive = naive
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            typed = timezone.make_naive(value) if timezone.is_aware(value) else value
        elif isinstance(value, dt.date):
            # A date handed in by code (as Django's own field takes it): its midnight.
            typed = dt.datetime.combine(value, dt.time())
        else:
            # The input formats only: parse, without Django's reading in a zone.
            typed = BaseTemporalField.to_python(self, value)
        if self.naive:
            return typed
        return wall_time(typed, timezone.get_current_timezone())
