from __future__ import annotations

from django import forms
from django.conf import settings

from matching.models import Pairing
from matching.services import MAX_INTERVAL_DAYS, MIN_INTERVAL_DAYS


def _interval_field() -> forms.IntegerField:
    return forms.IntegerField(
        label="Check-in every (days)",
        min_value=MIN_INTERVAL_DAYS,
        max_value=MAX_INTERVAL_DAYS,
        initial=settings.CHECKIN_INTERVAL_DEFAULT_DAYS,
        help_text=f"How often the mentor should be in touch, {MIN_INTERVAL_DAYS} to "
        f"{MAX_INTERVAL_DAYS} days.",
        error_messages={
            "min_value": f"Choose at least {MIN_INTERVAL_DAYS} day.",
            "max_value": f"Choose at most {MAX_INTERVAL_DAYS} days.",
            "invalid": "Enter a whole number of days.",
            "required": "Enter how often the mentor should check in.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class PairForm(forms.Form):
    checkin_interval_days = _interval_field()


class IntervalForm(forms.Form):
    checkin_interval_days = _interval_field()


class EndForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why does the pairing end?",
        choices=[("", "Choose a reason")] + list(Pairing.EndReason.choices),
        error_messages={"required": "Choose why the pairing ends."},
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Seen by house managers only.",
    )


class ReassignForm(EndForm):
    reason = forms.ChoiceField(
        label="Why does the current pairing end?",
        choices=[("", "Choose a reason")] + list(Pairing.EndReason.choices),
        error_messages={"required": "Choose why the current pairing ends."},
    )
    checkin_interval_days = _interval_field()


class MentorSearchForm(forms.Form):
    term = forms.CharField(
        label="Search any cleared mentor with a free place",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Mentor's name", "autocomplete": "off"}),
    )
