"""Forms validate what was typed; the services in mentors/services.py do the writing."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from mentoring_site.models import User
from mentors.models import Mentor, TrainingCourse
from mentors.services import EMAIL_TAKEN
from residents.models import House, Language, RecoveryPathway


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _not_in_future(value, message: str):
    if value and value > timezone.localdate():
        raise ValidationError(message)
    return value


class MentorProfileForm(forms.ModelForm):
    """The profile fields a mentor may edit about themselves (no status, no capacity)."""

    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)

    class Meta:
        model = Mentor
        fields = [
            "phone",
            "recovery_since",
            "bio",
            "gender",
            "gender_self_description",
            "languages",
            "pathways",
            "serves_all_houses",
            "houses",
        ]
        labels = {
            "recovery_since": "In recovery since",
            "bio": "Lived experience, in a few lines",
            "gender_self_description": "Gender, in your own words",
            "serves_all_houses": "Serves every house",
            "houses": "Houses served",
        }
        widgets = {
            "recovery_since": DateInput(),
            "bio": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "languages": forms.CheckboxSelectMultiple,
            "pathways": forms.CheckboxSelectMultiple,
            "houses": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["first_name"].initial = self.instance.user.first_name
            self.fields["last_name"].initial = self.instance.user.last_name
        self.fields["languages"].queryset = Language.objects.all()
        self.fields["pathways"].queryset = RecoveryPathway.objects.all()
        self.fields["houses"].queryset = House.objects.all()
        self.fields["gender_self_description"].help_text = "Only if you chose self-described."
        # Put the name first.
        self.order_fields(["first_name", "last_name"])

    def clean_recovery_since(self):
        return _not_in_future(
            self.cleaned_data.get("recovery_since"), "Recovery-since cannot be in the future."
        )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "phone": data["phone"],
            "recovery_since": data["recovery_since"],
            "bio": data["bio"],
            "gender": data["gender"],
            "gender_self_description": data["gender_self_description"],
            "languages": data["languages"],
            "pathways": data["pathways"],
            "houses": data["houses"],
            "serves_all_houses": data["serves_all_houses"],
        }


class MentorStaffForm(MentorProfileForm):
    """What managers edit: the profile plus capacity."""

    class Meta(MentorProfileForm.Meta):
        fields = [*MentorProfileForm.Meta.fields, "capacity"]
        labels = {**MentorProfileForm.Meta.labels, "capacity": "Capacity (most active mentees)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["capacity"].min_value = 0
        self.fields["capacity"].max_value = 10
        self.fields["capacity"].widget.attrs.update({"min": 0, "max": 10})

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "capacity": self.cleaned_data["capacity"]}


class MentorCreateForm(MentorStaffForm):
    email = forms.EmailField(
        max_length=254,
        help_text="They get an email with a link to choose a password.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["email", "first_name", "last_name"])

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(EMAIL_TAKEN)
        return email

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "email": self.cleaned_data["email"]}


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(label="New status", choices=Mentor.Status.choices)
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the mentor's history. No health details, please.",
    )

    def __init__(self, *args, mentor: Mentor, **kwargs):
        super().__init__(*args, **kwargs)
        self.mentor = mentor
        self.fields["status"].choices = [
            (value, label) for value, label in Mentor.Status.choices if value != mentor.status
        ]


class TrainingRecordForm(forms.Form):
    course = forms.ModelChoiceField(queryset=TrainingCourse.objects.none())
    completed_on = forms.DateField(label="Completed on", widget=DateInput())
    hours = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("99"),
        decimal_places=2,
        help_text="Leave empty to use the course's hours.",
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = TrainingCourse.objects.filter(is_active=True)
        self.fields["completed_on"].initial = timezone.localdate()

    def clean_completed_on(self):
        return _not_in_future(
            self.cleaned_data.get("completed_on"), "The completion date cannot be in the future."
        )


class AttendeeField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Mentor) -> str:
        return str(obj)


class TrainingSessionForm(TrainingRecordForm):
    attendees = AttendeeField(
        queryset=Mentor.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one attendee."},
    )

    def __init__(self, *args, attendees_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["completed_on"].label = "Session date"
        self.fields["attendees"].queryset = attendees_qs

    def ticked(self) -> list[str]:
        return self.data.getlist("attendees")[:1000] if self.is_bound else []


class RosterFilterForm(forms.Form):
    """Roster filters travel in the query string: ids and codes only, never names."""

    cleared = forms.ChoiceField(
        required=False,
        choices=[("", "Anyone"), ("yes", "Cleared"), ("no", "Not cleared")],
    )
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Mentor.Status.choices])
    house = forms.ModelChoiceField(
        required=False, queryset=House.objects.all(), empty_label="Any house"
    )
    language = forms.ModelChoiceField(
        required=False, queryset=Language.objects.all(), empty_label="Any language"
    )
    pathway = forms.ModelChoiceField(
        required=False, queryset=RecoveryPathway.objects.all(), empty_label="Any pathway"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Rendered without crispy (the roster must stay fast): Bootstrap classes here.
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def cleared_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("cleared") or "")


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search by name or email")
