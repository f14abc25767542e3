"""Forms for the dashboard and the reports page (validation only; views call services)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activity_log.contacts.concerns import NOTE_MAX_LENGTH
from residents.models import House

# Longest report range: two years and a day (a leap year fits).
MAX_REPORT_DAYS = 731


class HouseFilterForm(forms.Form):
    """Optional house filter, limited to the houses the user may see (loaded once)."""

    house = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label=_("House"))

    def __init__(self, *args, houses: list[House], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["house"].choices = [("", _("All my houses"))] + [(h.pk, h.name) for h in houses]

    def house_id(self) -> int | None:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["house"]
        return None


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        label=_("What did you do?"),
        error_messages={"required": _("Say in a few words what you did (a short note).")},
    )


class ReportForm(HouseFilterForm):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    field_order = ["start", "end", "house"]

    def clean_end(self) -> dt.date:
        end = self.cleaned_data["end"]
        if end > timezone.localdate():
            raise forms.ValidationError(_("The end date can't be in the future."))
        return end

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end date must be on or after the start date."))
            elif (end - start).days + 1 > MAX_REPORT_DAYS:
                self.add_error(
                    "start",
                    _("Choose a range of at most %(days)d days (two years).")
                    % {"days": MAX_REPORT_DAYS},
                )
        return data
