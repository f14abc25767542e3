from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from matching.models import Pairing
from matching.services import MAX_INTERVAL_DAYS, MIN_INTERVAL_DAYS


def _format(message, **values) -> str:
    return str(message % values)


# Filled in when shown, in the language of that request.
_lazy_format = lazy(_format, str)


def _interval_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Check-in every (days)"),
        min_value=MIN_INTERVAL_DAYS,
        max_value=MAX_INTERVAL_DAYS,
        initial=settings.CHECKIN_INTERVAL_DEFAULT_DAYS,
        help_text=_lazy_format(
            _("How often the mentor should be in touch, %(min)d to %(max)d days."),
            min=MIN_INTERVAL_DAYS,
            max=MAX_INTERVAL_DAYS,
        ),
        error_messages={
            "min_value": _lazy_format(
                ngettext_lazy("Choose at least %(n)d day.", "Choose at least %(n)d days.", "n"),
                n=MIN_INTERVAL_DAYS,
            ),
            "max_value": _lazy_format(
                ngettext_lazy("Choose at most %(n)d day.", "Choose at most %(n)d days.", "n"),
                n=MAX_INTERVAL_DAYS,
            ),
            "invalid": _("Enter a whole number of days."),
            "required": _("Enter how often the mentor should check in."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class PairForm(forms.Form):
    checkin_interval_days = _interval_field()


class IntervalForm(forms.Form):
    checkin_interval_days = _interval_field()


class EndForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why does the pairing end?"),
        choices=[("", _("Choose a reason"))] + list(Pairing.EndReason.choices),
        error_messages={"required": _("Choose why the pairing ends.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen by house managers only."),
    )


class ReassignForm(EndForm):
    reason = forms.ChoiceField(
        label=_("Why does the current pairing end?"),
        choices=[("", _("Choose a reason"))] + list(Pairing.EndReason.choices),
        error_messages={"required": _("Choose why the current pairing ends.")},
    )
    checkin_interval_days = _interval_field()


class MentorSearchForm(forms.Form):
    term = forms.CharField(
        label=_("Search any cleared mentor with a free place"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Mentor's name"), "autocomplete": "off"}),
    )
