"""Benchmark: every main page, single user, through Django's test Client (DESIGN budget: p99 < 50 ms).

Intended for the large demo on PostgreSQL (see bench/bench_dashboard.py for the set-up commands):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentoring_large DEBUG=true \
        .venv/bin/python bench/bench_pages.py --runs 30

Signs in as the demo manager and the demo mentor (two-factor recorded in the session, as after a
real TOTP step), picks real objects from their scope, renders each page `--runs` times after a
warm-up and prints median and p99 in milliseconds with the query count of one render.
The group sessions, feedback and recovery pages (issues 17, 18) are measured for the demo
manager and mentor, again for the demo admin on the bulk houses (where `--scale large` puts its
rows), and signed out for the resident's feedback form with a fresh link.
Read-only apart from sessions, audit rows and that one feedback request (deleted at the end).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_dashboard import bench, print_database, record_mfa, setup_django  # noqa: E402
from django.db.models import Count  # noqa: E402

HTMX = {"HTTP_HX_REQUEST": "true"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--manager", default="manager@example.com")
    parser.add_argument("--mentor", default="mentor@example.com")
    parser.add_argument("--admin", default="admin@example.com")
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
    return pages + group_and_feedback_pages(user, resident=resident)


def group_and_feedback_pages(user, *, resident=None, house=None) -> list[tuple[str, str, dict]]:
    """Issues 17 and 18: group sessions, feedback and recovery checks, in `user`'s scope."""
    from django.urls import reverse
    from django.utils import timezone

    from activity_log.groups.models import GroupSession
    from mentors.models import Mentor
    from residents.models import House

    house = house or House.objects.visible_to(user).order_by("pk").first()
    session = (
        GroupSession.objects.attendance_takeable_by(user)
        .filter(house=house, starts_at__lt=timezone.now())
        .order_by("-starts_at")
        .first()
    )
    # The mentor with the most answers the user may see the slot of.
    mentor = (
        Mentor.objects.changeable_by(user)
        .annotate(answers=Count("feedback_responses"))
        .order_by("-answers", "pk")
        .first()
    )
    pages = [
        ("groups list", reverse("groups:list"), {}),
        ("house sessions", reverse("groups:house", args=[house.pk]), {}),
        (
            "resident attendance slot",
            reverse("groups:resident_attendance", args=[resident.pk]),
            HTMX,
        ),
        (
            "resident feedback slot",
            reverse("activity_log:feedback_resident", args=[resident.pk]),
            HTMX,
        ),
        (
            "resident recovery slot",
            reverse("activity_log:recovery_resident", args=[resident.pk]),
            HTMX,
        ),
        ("recovery due list", reverse("activity_log:recovery_due"), {}),
        ("outcomes report", reverse("activity_log:outcomes_report"), {}),
    ]
    if session is not None:
        pages.insert(2, ("attendance form", reverse("groups:attendance", args=[session.pk]), {}))
    if mentor is not None:
        pages.append(
            (
                "mentor feedback slot",
                reverse("activity_log:feedback_mentor", args=[mentor.pk]),
                HTMX,
            )
        )
    return pages


def admin_pages(user) -> list[tuple[str, str, dict]]:
    """The same pages for the admin, on a bulk house and its busiest resident: the demo
    manager's houses are the small hand-written ones, the bulk rows live in the other 40."""
    from residents.models import Resident

    bulk = Resident.objects.visible_to(user).active().filter(house__managers__isnull=True)
    resident = (
        bulk.annotate(
            answers=Count("feedback_responses", distinct=True),
            checks=Count("recovery_assessments", distinct=True),
        )
        .filter(answers__gt=0, checks__gt=1)
        .order_by("pk")
        .first()
    ) or Resident.objects.visible_to(user).active().order_by("pk").first()  # small demo
    return group_and_feedback_pages(user, resident=resident, house=resident.house)


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
        ("groups: today slot", reverse("groups:today"), HTMX),
        ("my feedback", reverse("activity_log:feedback_mine"), {}),
    ]


class FreshFeedbackLink:
    """One manual feedback request with a fresh link, for a real pairing of the manager's
    (as a manager's "Ask for feedback" makes it), deleted afterwards."""

    def __init__(self, manager) -> None:
        self.manager = manager
        self.request = None

    def __enter__(self) -> str:
        from activity_log.feedback import services
        from matching.models import Pairing

        pairing = Pairing.objects.visible_to(self.manager).active().order_by("pk").first()
        self.request, token = services.feedback_request_manual(pairing=pairing, by=self.manager)
        return token

    def __exit__(self, *exc) -> None:
        if self.request is not None:
            self.request.delete()


def main() -> None:
    args = parse_args()
    setup_django()
    from django.test import Client
    from django.urls import reverse

    from activity_log.models import ContactLog
    from matching.models import Pairing
    from mentoring_site.models import User
    from residents.models import Resident

    print_database(residents=Resident, pairings=Pairing, contacts=ContactLog)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"runs: {args.runs} after {args.warmup} warm-up; load {load}\n")
    print(f"{'user':<22}{'page':<26}{'median ms':>10}{'p99 ms':>10}{'queries':>9}")
    over = []

    def run(who: str, client, pages) -> None:
        for label, path, headers in pages:
            result = bench(client, path, args.runs, args.warmup, headers)
            print(
                f"{who:<22}{label:<26}{result['median']:>10.1f}{result['p99']:>10.1f}"
                f"{result['queries']:>9}"
            )
            if result["p99"] > 50:
                over.append(f"{label} ({who})")

    for email, pages in (
        (args.manager, manager_pages),
        (args.mentor, mentor_pages),
        (args.admin, admin_pages),
    ):
        user = User.objects.get(email=email)
        client = Client(HTTP_HOST="localhost")
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        record_mfa(client, user)
        run(email, client, pages(user))

    # The resident's form is rate-limited per address (30 in 10 minutes); the bench renders
    # it more often than that from one address, so the limit is lifted in this process only.
    from activity_log.feedback import views as feedback_views

    feedback_views.RATE_LIMIT = 10**9
    with FreshFeedbackLink(User.objects.get(email=args.manager)) as token:
        path = reverse("activity_log:feedback_form", args=[token])
        run("signed out", Client(HTTP_HOST="localhost"), [("feedback form", path, {})])
    print(f"\npages over the 50 ms p99 budget: {', '.join(over) or 'none'}")


if __name__ == "__main__":
    main()
