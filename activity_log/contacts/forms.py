"""Forms validate input shapes; the services in services.py own the rules."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activity_log.models import ContactAddendum, ContactLog, Topic
from mentoring_site.forms import (
    InvalidMarksMixin,
    PlainHtmlMixin,
    ResultCacheChoiceIterator,
    WallClockField,
)
from residents.models import GoalProgress, RecoveryGoal

LOCAL_DATETIME = "%Y-%m-%dT%H:%M"

WELLBEING_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


class ChipsMultiple(PlainHtmlMixin, forms.CheckboxSelectMultiple):
    """Checkboxes drawn as tappable chips (Bootstrap's .btn-check)."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"class": "btn-check", "autocomplete": "off", **(attrs or {})}, choices)


class ChipsSingle(PlainHtmlMixin, forms.RadioSelect):
    def __init__(self, attrs=None, choices=()):
        super().__init__({"class": "btn-check", "autocomplete": "off", **(attrs or {})}, choices)


class PlainDateTimeInput(PlainHtmlMixin, forms.DateTimeInput):
    pass


class PlainNumberInput(PlainHtmlMixin, forms.NumberInput):
    pass


class PlainTextInput(PlainHtmlMixin, forms.TextInput):
    pass


class PlainTextarea(PlainHtmlMixin, forms.Textarea):
    pass


class PlainDateInput(PlainHtmlMixin, forms.DateInput):
    pass


class PlainHiddenInput(PlainHtmlMixin, forms.HiddenInput):
    pass


class TopicChoiceField(forms.ModelMultipleChoiceField):
    iterator = ResultCacheChoiceIterator


class GoalChoiceField(forms.ModelMultipleChoiceField):
    iterator = ResultCacheChoiceIterator

    def label_from_instance(self, obj: RecoveryGoal) -> str:
        return obj.text


class ContactLogForm(InvalidMarksMixin, forms.Form):
    happened_at = WallClockField(
        label=_("When"),
        input_formats=[LOCAL_DATETIME, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=PlainDateTimeInput(
            format=LOCAL_DATETIME, attrs={"type": "datetime-local", "class": "form-control"}
        ),
    )
    method = forms.ChoiceField(
        choices=ContactLog.Method.choices, initial=ContactLog.Method.IN_PERSON, widget=ChipsSingle
    )
    duration_minutes = forms.IntegerField(
        label=_("Minutes"),
        min_value=1,
        max_value=600,
        initial=30,
        error_messages={
            "min_value": _("Enter a duration between 1 and 600 minutes."),
            "max_value": _("Enter a duration between 1 and 600 minutes."),
        },
        widget=PlainNumberInput(
            attrs={"inputmode": "numeric", "step": "5", "class": "form-control"}
        ),
    )
    topics = TopicChoiceField(queryset=Topic.objects.all(), required=False, widget=ChipsMultiple)
    goals_discussed = GoalChoiceField(
        label=_("Goals discussed"),
        queryset=RecoveryGoal.objects.none(),
        required=False,
        widget=ChipsMultiple,
    )
    wellbeing = forms.TypedChoiceField(
        label=_("How are they doing? 1 struggling, 5 doing well (optional)"),
        choices=WELLBEING_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        widget=ChipsSingle,
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=5000,
        widget=PlainTextarea(attrs={"rows": 4, "class": "form-control"}),
        error_messages={"max_length": _("Keep notes under 5,000 characters (%(show_value)d now).")},
    )
    follow_up = forms.CharField(
        label=_("Follow-up"),
        required=False,
        max_length=500,
        widget=PlainTextInput(attrs={"class": "form-control"}),
    )
    follow_up_on = forms.DateField(
        label=_("Follow up on"),
        required=False,
        widget=PlainDateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
    )
    concern_level = forms.ChoiceField(
        label=_("Concern"),
        choices=ContactLog.Concern.choices,
        initial=ContactLog.Concern.NONE,
        widget=ChipsSingle,
    )
    concern_note = forms.CharField(
        label=_("What worries you? (short)"),
        required=False,
        max_length=280,
        widget=PlainTextInput(attrs={"class": "form-control"}),
    )
    idempotency_key = forms.UUIDField(widget=PlainHiddenInput, required=False)

    PROGRESS_PREFIX = "progress_"
    PROGRESS_CHOICES = [
        (GoalProgress.Status.IN_PROGRESS, _("In progress")),
        (GoalProgress.Status.ACHIEVED, _("Achieved")),
        (GoalProgress.Status.SET_ASIDE, _("Set aside")),
    ]

    def __init__(
        self,
        *args,
        goals=None,
        with_progress: bool = False,
        happened_at: dt.datetime | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        # Editing: the contact's own moment, kept when its time is sent back unchanged (in the
        # hour the clocks repeat, "1:10" alone could be read as the other 1:10).
        self.current_happened_at = happened_at
        self.progress_rows: list[tuple[RecoveryGoal, forms.BoundField]] = []
        if goals is not None:
            self.fields["goals_discussed"].queryset = goals
            if with_progress:
                # "Progress on this goal" beside each goal (the same open, shared goals): one
                # optional chip row each; nothing chosen records nothing.
                # The field's own copy of the queryset, so its choices reuse this one read.
                for goal in self.fields["goals_discussed"].queryset:
                    name = f"{self.PROGRESS_PREFIX}{goal.pk}"
                    self.fields[name] = forms.ChoiceField(
                        label=_("Progress on %(goal)s") % {"goal": goal.text},
                        choices=self.PROGRESS_CHOICES,
                        required=False,
                        widget=ChipsSingle,
                    )
                    self.progress_rows.append((goal, self[name]))

    def goal_progress(self) -> dict[RecoveryGoal, str]:
        """Goal -> the progress chosen for it on this contact (only the goals with one)."""
        return {
            goal: self.cleaned_data[bound.name]
            for goal, bound in self.progress_rows
            if self.cleaned_data.get(bound.name)
        }

    def clean_happened_at(self) -> dt.datetime | None:
        value = self.cleaned_data.get("happened_at")
        current = self.current_happened_at
        if value is not None and current is not None:
            shown = timezone.localtime(current).replace(second=0, microsecond=0, tzinfo=None)
            if timezone.localtime(value).replace(tzinfo=None) == shown:
                return current
        return value

    def clean_follow_up_on(self) -> dt.date | None:
        value = self.cleaned_data.get("follow_up_on")
        if value and value < timezone.localdate() - dt.timedelta(days=1):
            raise forms.ValidationError(_("Choose a follow-up date that is not in the past."))
        return value

    def contact_fields(self, *, with_key: bool = True) -> dict:
        data = {
            key: value
            for key, value in self.cleaned_data.items()
            if not key.startswith(self.PROGRESS_PREFIX)
        }
        if not with_key:
            data.pop("idempotency_key", None)
        return data

    @classmethod
    def initial_for(cls, contact: ContactLog | None = None) -> dict:
        if contact is None:
            return {"happened_at": timezone.localtime().replace(second=0, microsecond=0)}
        return {
            "happened_at": timezone.localtime(contact.happened_at),
            "method": contact.method,
            "duration_minutes": contact.duration_minutes,
            "topics": list(contact.topics.all()),
            "goals_discussed": list(contact.goals_discussed.all()),
            "wellbeing": contact.wellbeing,
            "notes": contact.notes,
            "follow_up": contact.follow_up,
            "follow_up_on": contact.follow_up_on,
            "concern_level": contact.concern_level,
            "concern_note": contact.concern_note,
        }


class AddendumForm(forms.ModelForm):
    class Meta:
        model = ContactAddendum
        fields = ["text"]
        labels = {"text": _("Addendum")}
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"text": _("Corrections or additions; the original stays as it was logged.")}


class CertificateForm(forms.Form):
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date must be on or after the start date."))
        if end and end > timezone.localdate():
            self.add_error("end", _("The end date cannot be in the future."))
        return data
