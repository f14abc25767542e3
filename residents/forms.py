"""Forms validate what was typed; the views hand clean data to residents.services."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from residents import selectors
from residents.models import (
    ConsentRecord,
    GoalProgress,
    House,
    Language,
    RecoveryGoal,
    RecoveryPathway,
    Resident,
)
from residents.services import EXIT_STATUSES

PHONE_RE = re.compile(r"^[0-9+()\-. ]{7,30}$")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ResidentProfileForm(forms.ModelForm):
    """The profile: shared by intake and edit."""

    house = forms.ModelChoiceField(
        queryset=House.objects.none(), empty_label=None, label=_("House")
    )
    languages = forms.ModelMultipleChoiceField(
        queryset=Language.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Languages"),
        help_text=_("Languages the resident would like to speak with a mentor."),
    )
    pathways = forms.ModelMultipleChoiceField(
        queryset=RecoveryPathway.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Recovery pathways"),
    )

    class Meta:
        model = Resident
        fields = [
            "first_name",
            "last_name",
            "preferred_name",
            "house",
            "move_in_date",
            "recovery_start_date",
            "birth_year",
            "phone",
            "preferred_mentor_gender",
            "languages",
            "pathways",
            "preferred_language",
        ]
        widgets = {"move_in_date": DateInput(), "recovery_start_date": DateInput()}
        labels = {
            "first_name": _("First name"),
            "last_name": _("Last name"),
            "preferred_name": _("Preferred name"),
            "recovery_start_date": _("Recovery start date"),
            "birth_year": _("Birth year"),
            "phone": _("Phone"),
            "preferred_mentor_gender": _("Preferred mentor gender"),
            "move_in_date": _("Move-in date"),
        }
        help_texts = {
            "preferred_name": _(
                "What the resident likes to be called. Left empty, the legal first name is used."
            ),
            "phone": _("Shared with a mentor only while consent is active."),
            "preferred_language": _("Feedback and recovery-check links open in this language."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["house"].queryset = House.objects.visible_to(user)
        self.fields["preferred_name"].required = False
        for name in ("first_name", "last_name", "preferred_name", "phone"):
            # Browsers stop at the limit; the server still checks (and says so) for anything else.
            self.fields[name].widget.attrs.setdefault("autocomplete", "off")

    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone", "").strip()
        if phone and not PHONE_RE.match(phone):
            raise forms.ValidationError(
                gettext("Enter a phone number using digits, spaces, +, -, ( and ) only.")
            )
        return phone

    def _clean_name(self, field: str) -> str:
        value = " ".join(self.cleaned_data.get(field, "").split())
        if self.fields[field].required and not value:
            raise forms.ValidationError(gettext("This field is required."))
        return value

    def clean_first_name(self) -> str:
        return self._clean_name("first_name")

    def clean_last_name(self) -> str:
        return self._clean_name("last_name")

    def clean_preferred_name(self) -> str:
        return self._clean_name("preferred_name")

    def _post_clean(self):
        # The service fills an empty preferred name from the first name; do the same before the
        # model's own validation so it does not complain about the blank.
        if not self.cleaned_data.get("preferred_name") and self.cleaned_data.get("first_name"):
            self.cleaned_data["preferred_name"] = self.cleaned_data["first_name"]
        super()._post_clean()

    def _update_errors(self, errors):
        # The model checks the exit date against the move-in date; on this form only the
        # move-in date can be changed, so that is where the message belongs.
        if hasattr(errors, "error_dict") and "exit_date" in errors.error_dict:
            errors.error_dict.setdefault("move_in_date", []).extend(
                errors.error_dict.pop("exit_date")
            )
        super()._update_errors(errors)

    def profile_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        return data


class ResidentIntakeForm(ResidentProfileForm):
    intake_key = forms.UUIDField(widget=forms.HiddenInput)
    # Hidden until the same name is found in the house; then it becomes a checkbox to tick.
    confirm_not_duplicate = forms.BooleanField(
        required=False,
        label=_("This is a different person with the same name: admit them anyway."),
        widget=forms.HiddenInput,
    )

    field_order = [*ResidentProfileForm.Meta.fields, "confirm_not_duplicate", "intake_key"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicates: list[Resident] = []

    def clean(self):
        cleaned = super().clean()
        house = cleaned.get("house")
        first, last = cleaned.get("first_name"), cleaned.get("last_name")
        if house and first and last:
            self.duplicates = list(
                selectors.resident_possible_duplicates(
                    house=house,
                    first_name=first,
                    last_name=last,
                    preferred_name=cleaned.get("preferred_name", ""),
                )[:5]
            )
            if self.duplicates:
                self.fields["confirm_not_duplicate"].widget = forms.CheckboxInput()
            if self.duplicates and not cleaned.get("confirm_not_duplicate"):
                self.add_error(
                    "confirm_not_duplicate",
                    gettext(
                        "An active resident of %(house)s already has this name. Check it is "
                        "not the same person, then tick the box to admit anyway."
                    )
                    % {"house": house},
                )
        return cleaned


class ExitForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Reason for leaving"),
        choices=[(s.value, s.label) for s in EXIT_STATUSES],
        widget=forms.RadioSelect,
    )
    exit_date = forms.DateField(label=_("Exit date"), widget=DateInput())
    reason = forms.CharField(
        label=_("Notes on the exit"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A short, factual reason. Do not include diagnoses."),
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, resident: Resident, **kwargs):
        super().__init__(*args, **kwargs)
        self.resident = resident

    def clean_exit_date(self) -> dt.date:
        exit_date = self.cleaned_data["exit_date"]
        if exit_date < self.resident.move_in_date:
            raise forms.ValidationError(
                gettext("The exit date cannot be before the move-in date (%(date)s).")
                % {
                    "date": formats.date_format(
                        self.resident.move_in_date, pgettext("date format", "M j, Y")
                    )
                }
            )
        if exit_date > timezone.localdate():
            raise forms.ValidationError(gettext("The exit date cannot be in the future."))
        return exit_date

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(gettext("This field is required."))
        return reason


class ConsentForm(forms.ModelForm):
    class Meta:
        model = ConsentRecord
        fields = ["granted_on", "expires_on", "shares_contact_details", "shares_goals", "note"]
        widgets = {
            "granted_on": DateInput(),
            "expires_on": DateInput(),
            "note": forms.TextInput(),
        }
        labels = {
            "granted_on": _("Granted on"),
            "expires_on": _("Expires on"),
            "shares_contact_details": _("Mentor may see contact details"),
            "shares_goals": _("Mentor may see recovery goals"),
            "note": _("Note"),
        }
        help_texts = {
            "expires_on": _("Leave empty if the consent has no end date (five years at most).")
        }


class GoalForm(forms.ModelForm):
    class Meta:
        model = RecoveryGoal
        fields = ["category", "text", "target_date"]
        widgets = {"target_date": DateInput(), "text": forms.TextInput()}
        labels = {"text": _("Goal"), "category": _("Category"), "target_date": _("Target date")}

    def clean_text(self) -> str:
        text = self.cleaned_data.get("text", "").strip()
        if not text:
            raise forms.ValidationError(gettext("This field is required."))
        return text


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=_("Search by name"))


class GoalProgressForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Where is this goal now?"), choices=GoalProgress.Status.choices
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Applied at two stores")}),
    )
