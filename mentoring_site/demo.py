"""Shared pieces of the demo data set: accounts, and the context each app's seeder receives.

`python manage.py seed_demo` creates the accounts here, then calls `seed(ctx)` in
residents/demo.py, mentors/demo.py, matching/demo.py and activity_log/demo.py in that order.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.utils import timezone

from mentoring_site.models import User
from mentoring_site.roles import ADMIN_GROUP, MANAGER_GROUP, MENTOR_GROUP

DEMO_PASSWORD = "recovery-demo"  # noqa: S105 - documented demo password, DEBUG only
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"

ACCOUNTS = [
    # email, first, last, group
    ("admin@example.com", "Alex", "Rivera", ADMIN_GROUP),
    ("manager@example.com", "Maria", "Lopez", MANAGER_GROUP),
    ("manager2@example.com", "Dwayne", "Carter", MANAGER_GROUP),
    ("mentor@example.com", "Sam", "Okafor", MENTOR_GROUP),
    ("mentor2@example.com", "Jordan", "Kim", MENTOR_GROUP),
]


# Surnames for generated demo people (residents and mentors draw from the same list).
SURNAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Chen",
    "Kim",
    "Patel",
    "Ali",
    "Khan",
    "Okafor",
    "Mensah",
    "Diaz",
    "Reyes",
    "Morales",
    "Ortiz",
    "Cruz",
    "Gomez",
    "Murphy",
    "Cook",
    "Rogers",
    "Morgan",
    "Bell",
]


@dataclass
class DemoContext:
    scale: str = "small"
    rng: random.Random = field(default_factory=lambda: random.Random(20261126))
    today: dt.date = field(default_factory=timezone.localdate)
    now: dt.datetime = field(default_factory=timezone.now)
    users: dict[str, User] = field(default_factory=dict)
    # Each seeder may leave objects here for the next one (houses, residents, mentors, ...).
    data: dict = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    @property
    def large(self) -> bool:
        return self.scale == "large"


def create_accounts(ctx: DemoContext) -> None:
    for email, first, last, group_name in ACCOUNTS:
        user, created = User.objects.get_or_create(
            email=email, defaults={"first_name": first, "last_name": last}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            if group_name == ADMIN_GROUP:
                user.is_staff = True
                user.is_superuser = True
            user.save()
        user.groups.add(Group.objects.get(name=group_name))
        ctx.users[email] = user
        if group_name in STAFF_GROUPS:
            enrol_totp(user, DEMO_TOTP_SECRET)
    give_demo_phone(ctx.users[DEMO_TEXTING_MENTOR], ctx.now)


# The demo mentor gets reminders by email and text: a verified phone in the 555-01xx range kept
# for fiction; texts land in var/sms/ (SMS_BACKEND's development default).
DEMO_TEXTING_MENTOR = "mentor@example.com"
DEMO_PHONE = "+12125550143"


def give_demo_phone(user: User, now: dt.datetime) -> None:
    from mentoring_site.models import TextPreference

    TextPreference.objects.update_or_create(
        user=user,
        defaults={
            "channel": TextPreference.Channel.BOTH,
            "phone": DEMO_PHONE,
            "phone_verified_at": now,
        },
    )


STAFF_GROUPS = (ADMIN_GROUP, MANAGER_GROUP)


def enrol_totp(user: User, secret: str) -> None:
    """Staff must use two factors: enrol the demo account with the documented TOTP secret,
    stored the way allauth stores it (encrypted by its adapter), plus a set of recovery codes."""
    from allauth.mfa.adapter import get_adapter
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        Authenticator.objects.create(
            user=user,
            type=Authenticator.Type.TOTP,
            data={"secret": get_adapter().encrypt(secret)},
        )
    RecoveryCodes.activate(user)
