"""Forms validate what was typed; the services in mentors/services.py do the writing."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mentoring_site.forms import CachedModelChoiceField, PlainSelect
from mentoring_site.models import User
from mentoring_site.roles import is_admin
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
    """What a mentor may edit about themselves: nothing clearance or matching depends on (no
    status, recovery-since, houses or capacity), so a forged POST carrying those is ignored."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)

    class Meta:
        model = Mentor
        fields = [
            "phone",
            "bio",
            "gender",
            "gender_self_description",
            "languages",
            "pathways",
        ]
        labels = {
            "phone": _("Phone"),
            "bio": _("Lived experience, in a few lines"),
            "gender": _("Gender"),
            "gender_self_description": _("Gender, in your own words"),
            "languages": _("Languages"),
            "pathways": _("Recovery pathways"),
        }
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "languages": forms.CheckboxSelectMultiple,
            "pathways": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["first_name"].initial = self.instance.user.first_name
            self.fields["last_name"].initial = self.instance.user.last_name
        self.fields["languages"].queryset = Language.objects.all()
        self.fields["pathways"].queryset = RecoveryPathway.objects.all()
        self.fields["gender_self_description"].help_text = _("Only if you chose self-described.")
        # Put the name first.
        self.order_fields(["first_name", "last_name"])

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "phone": data["phone"],
            "bio": data["bio"],
            "gender": data["gender"],
            "gender_self_description": data["gender_self_description"],
            "languages": data["languages"],
            "pathways": data["pathways"],
        }


class MentorOwnProfileForm(MentorProfileForm):
    """My profile: the profile plus the mentor's own language (staff leave it to the mentor)."""

    preferred_language = forms.ChoiceField(
        label=_("Language"),
        choices=User._meta.get_field("preferred_language").choices,
        required=False,
        help_text=_("For these pages, your reminder emails and texts."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["preferred_language"].initial = self.instance.user.preferred_language

    def service_kwargs(self) -> dict:
        return {
            **super().service_kwargs(),
            "preferred_language": self.cleaned_data["preferred_language"],
        }


class MentorStaffForm(MentorProfileForm):
    """What staff edit: the profile plus recovery-since, houses served and capacity.

    A manager picks among their own houses only: houses they do not manage stay as they are,
    and only an admin sets "serves every house" (both change who other houses can pair).
    """

    class Meta(MentorProfileForm.Meta):
        fields = [
            *MentorProfileForm.Meta.fields,
            "recovery_since",
            "serves_all_houses",
            "houses",
            "capacity",
        ]
        labels = {
            **MentorProfileForm.Meta.labels,
            "phone": _("Phone"),
            "gender": _("Gender"),
            "languages": _("Languages"),
            "pathways": _("Pathways"),
            "recovery_since": _("In recovery since"),
            "serves_all_houses": _("Serves every house"),
            "houses": _("Houses served"),
            "capacity": _("Capacity (most active mentees)"),
        }
        widgets = {
            **MentorProfileForm.Meta.widgets,
            "recovery_since": DateInput(),
            "houses": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["first_name"].label = _("First name")
        self.fields["last_name"].label = _("Last name")
        self.manager_houses = None if is_admin(user) else list(House.objects.visible_to(user))
        if self.manager_houses is None:
            self.fields["houses"].queryset = House.objects.all()
        else:
            self.fields["houses"].queryset = House.objects.filter(
                pk__in=[h.pk for h in self.manager_houses]
            )
            self.fields["houses"].help_text = _("Your houses. Other houses stay as they are.")
            self.fields["serves_all_houses"].disabled = True
            self.fields["serves_all_houses"].help_text = _("Only a program admin changes this.")
        self.fields["capacity"].min_value = 0
        self.fields["capacity"].max_value = 10
        self.fields["capacity"].widget.attrs.update({"min": 0, "max": 10})

    def clean_recovery_since(self):
        return _not_in_future(
            self.cleaned_data.get("recovery_since"),
            gettext("Recovery-since cannot be in the future."),
        )

    def houses_to_save(self) -> list[House]:
        chosen = list(self.cleaned_data["houses"])
        if self.manager_houses is None or not self.instance.pk:
            return chosen
        mine = {h.pk for h in self.manager_houses}
        return chosen + [h for h in self.instance.houses.all() if h.pk not in mine]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            **super().service_kwargs(),
            "recovery_since": data["recovery_since"],
            "serves_all_houses": data["serves_all_houses"],
            "houses": self.houses_to_save(),
            "capacity": data["capacity"],
        }


class MentorCreateForm(MentorStaffForm):
    email = forms.EmailField(
        max_length=254,
        label=_("Email"),
        help_text=_("They get an email with a link to choose a password."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    # Their welcome email goes out before they can choose; after that, My profile is theirs.
    preferred_language = forms.ChoiceField(
        label=_("Language for their emails and pages"),
        choices=[("", _("Not chosen (the site's language)")), *settings.LANGUAGES],
        required=False,
        help_text=_("The welcome email goes out in it. They can change it on My profile."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["email", "first_name", "last_name", "preferred_language"])
        if self.manager_houses is not None:
            self.fields["houses"].required = True
            self.fields["houses"].error_messages["required"] = _(
                "Choose at least one of your houses, so you can look after this mentor."
            )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(EMAIL_TAKEN)
        return email

    def service_kwargs(self) -> dict:
        return {
            **super().service_kwargs(),
            "email": self.cleaned_data["email"],
            "preferred_language": self.cleaned_data["preferred_language"],
        }


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Mentor.Status.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the mentor's history. No health details, please."),
    )

    def __init__(self, *args, mentor: Mentor, **kwargs):
        super().__init__(*args, **kwargs)
        self.mentor = mentor
        self.fields["status"].choices = [
            (value, label) for value, label in Mentor.Status.choices if value != mentor.status
        ]


class TrainingRecordForm(forms.Form):
    course = forms.ModelChoiceField(queryset=TrainingCourse.objects.none(), label=_("Course"))
    completed_on = forms.DateField(label=_("Completed on"), widget=DateInput())
    hours = forms.DecimalField(
        label=_("Hours"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("99"),
        decimal_places=2,
        help_text=_("Leave empty to use the course's hours."),
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = TrainingCourse.objects.filter(is_active=True)
        self.fields["completed_on"].initial = timezone.localdate()

    def clean_completed_on(self):
        return _not_in_future(
            self.cleaned_data.get("completed_on"),
            gettext("The completion date cannot be in the future."),
        )


class AttendeeField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Mentor) -> str:
        return str(obj)


class TrainingSessionForm(TrainingRecordForm):
    attendees = AttendeeField(
        queryset=Mentor.objects.none(),
        label=_("Attendees"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one attendee.")},
    )

    def __init__(self, *args, attendees_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["completed_on"].label = _("Session date")
        self.fields["attendees"].queryset = attendees_qs

    def ticked(self) -> list[str]:
        return self.data.getlist("attendees")[:1000] if self.is_bound else []


class RosterFilterForm(forms.Form):
    """Roster filters travel in the query string: ids and codes only, never names.

    Drawn without templates (PlainSelect) and each list read once (CachedModelChoiceField): the
    house list alone was ~45 template renders and a server-side cursor a request."""

    cleared = forms.ChoiceField(
        label=_("Cleared"),
        required=False,
        choices=[("", _("Anyone")), ("yes", _("Cleared")), ("no", _("Not cleared"))],
        widget=PlainSelect,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Mentor.Status.choices],
        widget=PlainSelect,
    )
    house = CachedModelChoiceField(
        label=_("House"),
        required=False,
        queryset=House.objects.all(),
        empty_label=_("Any house"),
        widget=PlainSelect,
    )
    language = CachedModelChoiceField(
        label=_("Language"),
        required=False,
        queryset=Language.objects.all(),
        empty_label=_("Any language"),
        widget=PlainSelect,
    )
    pathway = CachedModelChoiceField(
        label=_("Pathway"),
        required=False,
        queryset=RecoveryPathway.objects.all(),
        empty_label=_("Any pathway"),
        widget=PlainSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Rendered without crispy (the roster must stay fast): Bootstrap classes here.
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def cleared_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("cleared") or "")


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=_("Search by name or email"))


class AwayForm(forms.Form):
    """ "Away from ... back on ..." on My profile; both empty says "not away". The limits
    (60 days, not in the past) are the service's, shown beside the fields."""

    away_from = forms.DateField(required=False, label=_("Away from"), widget=DateInput())
    back_on = forms.DateField(
        required=False,
        label=_("Back on"),
        widget=DateInput(),
        help_text=_("The day you can see mentees again. Up to 60 days away."),
    )


class CapacityForm(forms.Form):
    """A mentor lowers their own capacity (raising it stays with staff)."""

    capacity = forms.IntegerField(
        label=_("Mentees at a time"),
        min_value=0,
        max_value=10,
        error_messages={
            "min_value": _("Choose 0 or more."),
            "max_value": _("You can lower it, not raise it. Ask your house manager to raise it."),
        },
    )
