"""Form helpers every app shares."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import BaseTemporalField
from django.utils import timezone
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
