"""Benchmark: every main page, single user, through Django's test Client (DESIGN budget: p99 < 50 ms).

Intended for the large demo on PostgreSQL (see bench/bench_dashboard.py for the set-up commands):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentoring_large DEBUG=true \
        .venv/bin/python bench/bench_pages.py --runs 30

Signs in as the demo manager and the demo mentor (two-factor recorded in the session, as after a
real TOTP step), picks real objects from their scope, renders each page `--runs` times after a
warm-up and prints median and p99 in milliseconds with the query count of one render.
Read-only apart from sessions and audit rows.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_dashboard import bench, record_mfa, setup_django  # noqa: E402

HTMX = {"HTTP_HX_REQUEST": "true"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--manager", default="manager@example.com")
    parser.add_argument("--mentor", default="mentor@example.com")
    return parser.parse_args()


def manager_pages(user) -> list[tuple[str, str, dict]]:
    from django.urls import reverse

    from matching.models import Pairing
    from matching.selectors import waiting_queue
    from mentors.models import Mentor
    from residents.models import Resident

    resident = Resident.objects.visible_to(user).active().order_by("pk").first()
    # A resident with no open pairing (one paused for an unavailable mentor redirects to reassign).
    waiting = waiting_queue(user).exclude(pairings__status__in=["active", "paused"]).first()
    mentor = Mentor.objects.visible_to(user).order_by("pk").first()
    pairing = Pairing.objects.visible_to(user).active().order_by("pk").first()
    pages = [
        ("dashboard", reverse("activity_log:dashboard"), {}),
        ("resident list", reverse("residents:list"), {}),
        ("resident page", reverse("residents:detail", args=[resident.pk]), {}),
        ("resident pairings slot", reverse("matching:resident_pairings", args=[resident.pk]), HTMX),
        (
            "resident timeline slot",
            reverse("activity_log:resident_timeline", args=[resident.pk]),
            HTMX,
        ),
        ("mentor roster", reverse("mentors:list"), {}),
        ("mentor page", reverse("mentors:detail", args=[mentor.pk]), {}),
        ("waiting queue", reverse("matching:waiting"), {}),
        ("pairing page", reverse("matching:detail", args=[pairing.pk]), {}),
        ("reports (30 days)", reverse("activity_log:reports"), {}),
    ]
    if waiting is not None:
        pages.append(("suggestions", reverse("matching:suggest", args=[waiting.pk]), {}))
    return pages


def mentor_pages(user) -> list[tuple[str, str, dict]]:
    from django.urls import reverse

    from matching.models import Pairing

    pairing = Pairing.objects.visible_to(user).active().order_by("pk").first()
    return [
        ("my mentees", reverse("activity_log:my_mentees"), {}),
        ("log contact form", reverse("activity_log:contact_new", args=[pairing.pk]), {}),
        ("pairing history", reverse("activity_log:pairing_history", args=[pairing.pk]), {}),
        ("my progress", reverse("activity_log:my_progress"), {}),
        ("my training", reverse("mentors:my_training"), {}),
    ]


def main() -> None:
    args = parse_args()
    setup_django()
    from django.conf import settings
    from django.test import Client

    from activity_log.models import ContactLog
    from matching.models import Pairing
    from mentoring_site.models import User
    from residents.models import Resident

    db = settings.DATABASES["default"]
    print(f"database: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}")
    print(
        f"data: {Resident.objects.count():,} residents, {Pairing.objects.count():,} pairings, "
        f"{ContactLog.objects.count():,} contacts"
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"runs: {args.runs} after {args.warmup} warm-up; load {load}\n")
    print(f"{'user':<22}{'page':<26}{'median ms':>10}{'p99 ms':>10}{'queries':>9}")
    over = []
    for email, pages in ((args.manager, manager_pages), (args.mentor, mentor_pages)):
        user = User.objects.get(email=email)
        client = Client(HTTP_HOST="localhost")
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        record_mfa(client, user)
        for label, path, headers in pages(user):
            result = bench(client, path, args.runs, args.warmup, headers)
            print(
                f"{email:<22}{label:<26}{result['median']:>10.1f}{result['p99']:>10.1f}"
                f"{result['queries']:>9}"
            )
            if result["p99"] > 50:
                over.append(label)
    print(f"\npages over the 50 ms p99 budget: {', '.join(over) or 'none'}")


if __name__ == "__main__":
    main()
