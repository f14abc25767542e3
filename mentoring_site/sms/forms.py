from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mentoring_site.models import TextPreference
from mentoring_site.sms.phone import PhoneNumberField


class TextPreferenceForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Send my reminders and alerts by"),
        choices=TextPreference.Channel.choices,
        widget=forms.RadioSelect,
    )
    phone = PhoneNumberField(
        label=_("Mobile number for texts"),
        required=False,
        help_text=_("We text a 6-digit code to check it before sending anything else."),
    )

    def clean(self):
        data = super().clean()
        wants_texts = data.get("channel") in (
            TextPreference.Channel.TEXT,
            TextPreference.Channel.BOTH,
        )
        if wants_texts and "phone" in data and not data["phone"]:
            self.add_error("phone", _("Add the number to text, or choose email."))
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*"}
        ),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("The code is 6 digits."))
        return code
