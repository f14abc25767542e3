"""Prepares a seeded demo database for bench/cluster.sh and says which accounts the load uses.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentoring_large_cluster \
        .venv/bin/python bench/cluster_setup.py --mentors 200 --managers 20 --out users.json

For a `seed_demo` database only (it refuses anything not on 127.0.0.1/localhost, and a database
without the demo accounts). It changes the data, on purpose and idempotently:
- the first `--mentors` mentors with an active pairing (bulk ones first: `--scale large` creates
  them without a usable password) get the demo password, `recovery-demo`;
- `--managers` accounts `bench.manager.NN@example.com` are created (House manager group, demo
  password, TOTP enrolled with the demo secret) and share the houses that have no other manager
  (the 40 bulk houses at large scale), so escalations and urgent alerts there have recipients.
Writes the accounts, the highest contact and reminder ids so far and the reminder claim lease
the sender uses as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
BENCH_MANAGER_EMAIL = "bench.manager.{:02d}@example.com"


def require_local_database(url: str) -> str:
    """The database name of a PostgreSQL URL on this machine; raises ValueError otherwise."""
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ValueError(f"not a PostgreSQL URL (scheme {parsed.scheme!r})")
    if (parsed.hostname or "") not in LOCAL_HOSTS:
        raise ValueError(f"database host {parsed.hostname!r} is not 127.0.0.1 or localhost")
    name = parsed.path.lstrip("/")
    if not name:
        raise ValueError("no database name in the URL")
    return name


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring_site.settings")
    import django

    django.setup()


def claim_lease_seconds() -> float:
    """The sender's claim lease (REMINDER_CLAIM_LEASE_SECONDS), as the sender reads it."""
    from activity_log.reminders.send import claim_lease

    return claim_lease().total_seconds()


def prepare_mentors(count: int, password_hash: str) -> list[str]:
    from django.db.models import Case, IntegerField, Value, When

    from matching.models import Pairing
    from mentoring_site.models import User
    from mentoring_site.roles import MENTOR_GROUP

    emails = list(
        User.objects.filter(
            is_active=True,
            groups__name=MENTOR_GROUP,
            mentor_profile__pairings__status=Pairing.Status.ACTIVE,
        )
        .annotate(
            bulk=Case(
                When(email__startswith="mentor.bulk.", then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("bulk", "email")
        .values_list("email", flat=True)
        .distinct()[:count]
    )
    User.objects.filter(email__in=emails).update(password=password_hash)
    return emails


def prepare_managers(count: int, password_hash: str) -> list[str]:
    from django.contrib.auth.models import Group
    from django.db import transaction

    from mentoring_site.demo import DEMO_TOTP_SECRET, enrol_totp
    from mentoring_site.models import User
    from mentoring_site.roles import MANAGER_GROUP
    from residents.models import House

    group = Group.objects.get(name=MANAGER_GROUP)
    emails = [BENCH_MANAGER_EMAIL.format(n + 1) for n in range(count)]
    with transaction.atomic():
        managers = []
        for n, address in enumerate(emails, start=1):
            user, _ = User.objects.get_or_create(
                email=address, defaults={"first_name": "Bench", "last_name": f"Manager {n:02d}"}
            )
            user.password = password_hash
            user.is_active = True
            user.save(update_fields=["password", "is_active"])
            user.groups.add(group)
            enrol_totp(user, DEMO_TOTP_SECRET)
            managers.append(user)
        bench_ids = [m.pk for m in managers]
        houses = list(
            House.objects.exclude(managers__in=User.objects.exclude(pk__in=bench_ids))
            .order_by("pk")
            .distinct()
        ) or list(House.objects.order_by("pk"))
        for index, house in enumerate(houses):
            house.managers.add(managers[index % len(managers)])
    return emails


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentors", type=int, default=200)
    parser.add_argument("--managers", type=int, default=20)
    parser.add_argument(
        "--out", required=True, help="where to write the accounts and the lease (JSON)"
    )
    args = parser.parse_args()
    try:
        name = require_local_database(os.environ.get("DATABASE_URL", ""))
    except ValueError as exc:
        sys.exit(f"cluster_setup: refusing DATABASE_URL: {exc}")
    setup_django()

    from django.contrib.auth.hashers import make_password

    from mentoring_site.demo import ACCOUNTS, DEMO_PASSWORD, DEMO_TOTP_SECRET
    from mentoring_site.models import User

    if not User.objects.filter(email=ACCOUNTS[0][0]).exists():
        sys.exit(f"cluster_setup: {name} has no seed_demo accounts; run seed_demo first")
    # One hash for every bench account: hashing 220 times would cost minutes of CPU here.
    password_hash = make_password(DEMO_PASSWORD)
    mentors = prepare_mentors(args.mentors, password_hash)
    managers = prepare_managers(args.managers, password_hash)
    accounts = [
        {"email": e, "role": "mentor", "password": DEMO_PASSWORD, "totp": None} for e in mentors
    ] + [
        {"email": e, "role": "manager", "password": DEMO_PASSWORD, "totp": DEMO_TOTP_SECRET}
        for e in managers
    ]
    lease = claim_lease_seconds()
    from django.db.models import Max

    from activity_log.models import ContactLog, Reminder

    facts = {
        "database": name,
        "lease_seconds": lease,
        # Rows above these ids were written during the run (seeded contacts may carry any date).
        "contact_id_floor": ContactLog.objects.aggregate(m=Max("id"))["m"] or 0,
        "reminder_id_floor": Reminder.objects.aggregate(m=Max("id"))["m"] or 0,
        "accounts": accounts,
    }
    Path(args.out).write_text(json.dumps(facts, indent=1))
    print(
        f"cluster_setup: {name}: {len(mentors)} mentors, {len(managers)} managers ready; "
        f"claim lease {lease:.0f} s"
    )


if __name__ == "__main__":
    main()
