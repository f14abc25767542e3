"""Phone numbers in E.164 (`+15551234567`) through `phonenumbers` (Google's libphonenumber).

A number typed without a country code is read as one of SMS_DEFAULT_REGION (`US`).
"""

from __future__ import annotations

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

INVALID = "Enter a phone number we can text, e.g. (212) 555-0143, or +44 7911 123456 from abroad."


def to_e164(raw: str, region: str | None = None) -> str:
    """The number in E.164, or ValidationError (the message says what to type)."""
    try:
        number = phonenumbers.parse(raw.strip(), region or settings.SMS_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(INVALID, code="invalid_phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(INVALID, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def e164_or_none(raw: str) -> str | None:
    """For numbers typed before they were checked (a resident's phone): None when unusable."""
    if not raw or not raw.strip():
        return None
    try:
        return to_e164(raw)
    except ValidationError:
        return None


def display(e164: str) -> str:
    """`+1 555-201-3344`: how the number is shown back."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def masked(e164: str) -> str:
    """Only the last two digits (logs never hold a whole number)."""
    return f"...{e164[-2:]}" if e164 else ""


class PhoneNumberField(forms.CharField):
    """A phone field whose cleaned value is E.164; what was typed stays in the box on error."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)
        self.widget.attrs.update({"type": "tel", "autocomplete": "tel", "inputmode": "tel"})

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return ""
        return to_e164(value)
