"""Forms for group sessions: shapes only; services.py owns the rules."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activity_log.contacts.forms import LOCAL_DATETIME, ChipsMultiple
from activity_log.groups.models import GroupSession, Kind
from mentoring_site.forms import (
    InvalidMarksMixin,
    ResultCacheChoiceIterator,
    WallClockField,
    wall_time,
)
from mentoring_site.models import User
from mentoring_site.roles import ADMIN_GROUP, MANAGER_GROUP
from mentors.models import Mentor
from residents.models import House, Resident, house_zone


class MentorChoiceField(forms.ModelMultipleChoiceField):
    iterator = ResultCacheChoiceIterator  # one query however often the chips are drawn

    def label_from_instance(self, obj: Mentor) -> str:
        return obj.user.get_full_name() or obj.user.email


class ResidentChoiceField(forms.ModelMultipleChoiceField):
    iterator = ResultCacheChoiceIterator  # one query however often the chips are drawn

    def label_from_instance(self, obj: Resident) -> str:
        return obj.preferred_name


class UserChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.email


def _control(widget_class, **attrs):
    return widget_class(attrs={"class": "form-control", **attrs})


class GroupSessionForm(InvalidMarksMixin, forms.Form):
    """Schedule or edit a session; with "repeat weekly until" on create, a series."""

    house = forms.ModelChoiceField(
        queryset=House.objects.none(),
        label=_("House"),
        required=False,
        empty_label=_("Program-wide (all houses)"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Kind.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    title = forms.CharField(label=_("Title"), max_length=120, widget=_control(forms.TextInput))
    starts_at = WallClockField(
        naive=True,
        label=_("Starts"),
        input_formats=[LOCAL_DATETIME, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(
            format=LOCAL_DATETIME, attrs={"type": "datetime-local", "class": "form-control"}
        ),
    )
    duration_minutes = forms.IntegerField(
        label=_("Minutes"),
        min_value=1,
        max_value=600,
        initial=60,
        error_messages={
            "min_value": _("Enter a length between 1 and 600 minutes."),
            "max_value": _("Enter a length between 1 and 600 minutes."),
        },
        widget=_control(forms.NumberInput, inputmode="numeric", step="5"),
    )
    place = forms.CharField(
        label=_("Place"), max_length=120, required=False, widget=_control(forms.TextInput)
    )
    facilitator_mentors = MentorChoiceField(
        label=_("Facilitating mentors"),
        queryset=Mentor.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 5}),
    )
    facilitator_residents = ResidentChoiceField(
        label=_("Facilitating residents"),
        queryset=Resident.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 5}),
    )
    facilitator_users = UserChoiceField(
        label=_("Facilitating staff"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 3}),
    )
    repeat_until = forms.DateField(
        label=_("Repeat weekly until (optional)"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
    )
    scope = forms.ChoiceField(
        label=_("Apply to"),
        choices=[
            ("this", _("This session only")),
            ("following", _("This and following sessions")),
        ],
        initial="this",
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(
        self, *args, houses, program_wide: bool, editing: GroupSession | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.editing = editing
        house_field = self.fields["house"]
        house_field.queryset = houses
        house_field.required = not program_wide
        if not program_wide:
            house_field.empty_label = None
        if editing is not None:
            # A session stays in its house; the series choice only when it has one.
            del self.fields["house"]
            del self.fields["repeat_until"]
            if editing.series_id is None:
                del self.fields["scope"]
            house_ids = [editing.house_id] if editing.house_id else []
        else:
            del self.fields["scope"]
            house_ids = list(houses.values_list("pk", flat=True))
        self.fields["facilitator_mentors"].queryset = (
            Mentor.objects.filter(status=Mentor.Status.ACTIVE)
            .filter(Q(serves_all_houses=True) | Q(houses__in=house_ids) if house_ids else Q())
            .distinct()
            .select_related("user")
            .order_by("user__first_name", "user__last_name", "pk")
        )
        self.fields["facilitator_residents"].queryset = (
            Resident.objects.active()
            .filter(house_id__in=house_ids)
            .order_by("preferred_name", "pk")
        )
        self.fields["facilitator_users"].queryset = (
            User.objects.filter(groups__name__in=[MANAGER_GROUP, ADMIN_GROUP], is_active=True)
            .distinct()
            .order_by("first_name", "last_name", "pk")
        )

    def zone(self) -> zoneinfo.ZoneInfo:
        house = self.editing.house if self.editing else self.cleaned_data.get("house")
        return house_zone(house)

    def clean(self) -> dict:
        data = super().clean()
        starts_at = data.get("starts_at")
        if starts_at is not None:
            # Typed as the house's wall-clock time, whatever zone the browser is in.
            try:
                data["starts_at"] = wall_time(
                    starts_at.replace(second=0, microsecond=0), self.zone()
                )
            except ValidationError as exc:
                self.add_error("starts_at", exc)
                starts_at = None
        until = data.get("repeat_until")
        if until and starts_at and until < data["starts_at"].date():
            self.add_error("repeat_until", _("Repeat until a date on or after the first session."))
        if until and starts_at and until > data["starts_at"].date() + dt.timedelta(days=366 * 2):
            self.add_error("repeat_until", _("Repeat for at most two years; extend it later."))
        return data

    @classmethod
    def initial_for(cls, session: GroupSession) -> dict:
        return {
            "kind": session.kind,
            "title": session.title,
            "starts_at": timezone.localtime(session.starts_at, session.zone()).replace(tzinfo=None),
            "duration_minutes": session.duration_minutes,
            "place": session.place,
            "facilitator_mentors": list(session.facilitator_mentors.all()),
            "facilitator_residents": list(session.facilitator_residents.all()),
            "facilitator_users": list(session.facilitator_users.all()),
            "scope": "this",
        }


class CancelForm(InvalidMarksMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why is it cancelled?"),
        max_length=280,
        widget=_control(forms.TextInput),
        error_messages={"required": _("Say why it is cancelled (residents will ask).")},
    )


class AttendanceForm(InvalidMarksMixin, forms.Form):
    residents = ResidentChoiceField(
        label=_("Residents"),
        queryset=Resident.objects.none(),
        required=False,
        widget=ChipsMultiple,
    )
    mentors = MentorChoiceField(
        label=_("Mentors"), queryset=Mentor.objects.none(), required=False, widget=ChipsMultiple
    )
    guests = forms.IntegerField(
        label=_("Someone not listed (how many)"),
        min_value=0,
        max_value=200,
        initial=0,
        error_messages={
            "min_value": _("Enter a number of guests from 0 to 200."),
            "max_value": _("Enter a number of guests from 0 to 200."),
        },
        widget=_control(forms.NumberInput, inputmode="numeric"),
    )
    note = forms.CharField(
        label=_("Short note (optional)"),
        max_length=280,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"max_length": _("Keep the note under 280 characters.")},
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, residents, mentors, show_house: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["residents"].queryset = residents
        self.fields["mentors"].queryset = mentors
        if show_house:
            # A program-wide session lists residents of several houses: say which.
            self.fields["residents"].label_from_instance = lambda obj: (
                f"{obj.preferred_name} · {obj.house.name}"
            )
