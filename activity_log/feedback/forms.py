"""The resident's five questions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from activity_log.feedback import instruments
from activity_log.feedback.services import MAX_COMMENT

SCORE_CHOICES = [(n, str(n)) for n in range(1, 6)]
YES_NO = [("no", _("No")), ("yes", _("Yes"))]


def _score(label) -> forms.TypedChoiceField:
    """A question answered 1 to 5."""
    return forms.TypedChoiceField(
        label=label,
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a number from 1 to 5.")},
    )


class FeedbackForm(forms.Form):
    shows_up = _score(_("Does your mentor show up when they say they will?"))
    listens = _score(_("Do they listen to you?"))
    helps_goals = _score(_("Do they help with your goals?"))
    wants_new_mentor = forms.TypedChoiceField(
        label=_("Would you like a different mentor?"),
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose yes or no.")},
    )
    comment = forms.CharField(
        label=_("Anything else you want to tell us? (optional)"),
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("Keep it under 1,000 characters (%(show_value)d now).")},
    )

    SCORE_QUESTIONS = ("shows_up", "listens", "helps_goals")


class AssessmentForm(forms.Form):
    """The recovery check: one six-point agreement question per statement of the instrument."""

    def __init__(self, *args, instrument=instruments.CURRENT, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for n, statement in enumerate(instrument.statements, start=1):
            self.fields[f"q{n}"] = forms.TypedChoiceField(
                label=statement,
                choices=instrument.scale,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose how much you agree.")},
            )

    def answers(self) -> list[int]:
        return [self.cleaned_data[f"q{n}"] for n in range(1, len(self.instrument.statements) + 1)]
