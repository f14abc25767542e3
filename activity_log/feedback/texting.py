"""What may be texted to a resident, and the text itself (the sender calls these; the queueing is
in texts.py). Imports nothing from the reminder sender, which imports this module."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext

from activity_log.feedback import services
from activity_log.models import Reminder
from mentoring_site.i18n import override_for
from mentoring_site.sms.phone import e164_or_none
from mentoring_site.sms.preferences import is_opted_out
from residents.models import Resident

Kind = Reminder.Kind
RESIDENT_LINK_KINDS = (Kind.FEEDBACK_LINK, Kind.RECOVERY_LINK)


def text_number(resident: Resident, today: dt.date | None = None) -> tuple[str | None, str]:
    """(the number to text, "") or (None, why not), in words a manager can act on."""
    if not resident.is_active or resident.anonymised_at is not None:
        return None, gettext("they no longer live in the house")
    consent = resident.current_consent()
    if consent is None or not consent.is_active(today):
        return None, gettext("there is no active consent on record")
    phone = e164_or_none(resident.phone)
    if phone is None:
        return None, gettext("there is no phone number on record that can take texts")
    if is_opted_out(phone):
        return None, gettext("their number replied STOP to our texts")
    return phone, ""


def is_obsolete(reminder: Reminder) -> bool:
    """Nothing to send any more: the resident cannot be texted now, or already answered."""
    if text_number(reminder.resident)[0] is None:
        return True
    return reminder.kind == Kind.FEEDBACK_LINK and reminder.feedback_request.used_at is not None


def build_text(reminder: Reminder) -> tuple[str, str]:
    """(number, body) of the text, with a link made now (the only time its token exists)."""
    resident = reminder.resident
    phone, why = text_number(resident)
    if phone is None:
        raise ValueError(f"resident cannot be texted: {why}")
    if reminder.kind == Kind.FEEDBACK_LINK:
        token = services.feedback_link_issue(request=reminder.feedback_request)
        path = reverse("activity_log:feedback_form", args=[token])
        template = "sms/feedback_link.txt"
        mentor_first_name = reminder.feedback_request.pairing.mentor.user.display_first_name
    else:
        token = services.assessment_link_issue(resident=resident, by=reminder.recipient)
        path = reverse("activity_log:assessment_by_link", args=[token])
        template = "sms/recovery_link.txt"
        mentor_first_name = ""
    with override_for(resident):  # the resident's language, as their pages
        body = render_to_string(
            template,
            {
                "first_name": resident.preferred_name,
                "mentor_first_name": mentor_first_name,
                "link": settings.SITE_URL + path,
                "days": settings.FEEDBACK_LINK_DAYS,
            },
        )
    return phone, " ".join(body.split())
