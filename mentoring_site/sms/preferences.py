"""Which channels a person's reminders and alerts go by, read in one query for many people.

"text" (or "both") counts only with a verified number that has not replied STOP; otherwise the
person gets email, so nobody misses a reminder because a phone was never checked.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef

from mentoring_site.models import TextOptOut, TextPreference

EMAIL = "email"
SMS = "sms"


def _textable(user_ids: Iterable[int]):
    return (
        TextPreference.objects.filter(
            user_id__in=list(user_ids),
            channel__in=[TextPreference.Channel.TEXT, TextPreference.Channel.BOTH],
            phone_verified_at__isnull=False,
        )
        .exclude(phone="")
        .exclude(Exists(TextOptOut.objects.filter(phone=OuterRef("phone"))))
        .order_by()
    )


def text_numbers(user_ids: Iterable[int]) -> dict[int, str]:
    """User id -> the E.164 number to text, for those of `user_ids` who can be texted now."""
    return dict(_textable(user_ids).values_list("user_id", "phone"))


def channels_by_user(user_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """User id -> ("email",), ("sms",) or ("email", "sms"), for every id given (one query)."""
    ids = list(user_ids)
    textable = dict(_textable(ids).values_list("user_id", "channel"))
    channels = {}
    for user_id in ids:
        choice = textable.get(user_id)
        if choice is None:
            channels[user_id] = (EMAIL,)
        elif choice == TextPreference.Channel.TEXT:
            channels[user_id] = (SMS,)
        else:
            channels[user_id] = (EMAIL, SMS)
    return channels


def is_opted_out(phone: str) -> bool:
    return bool(phone) and TextOptOut.objects.filter(phone=phone).exists()
