"""Reads for the dashboard's "Needs attention" lists.

Each list is capped (`LIMIT`) and carries its full size in the same query through a window
`COUNT(*) OVER ()`, so the dashboard runs one query per list whatever the data size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from activity_log.models import ContactLog, Reminder
from activity_log.reports.scope import Scope
from matching.models import Pairing
from mentors.models import Mentor, TrainingRecord

LIST_LIMIT = 20
EXPIRY_WARNING_DAYS = 30
FAILED_REMINDER_DAYS = 30


# The columns each list's rows show (templates/activity_log/_attention_*.html, the failed
# reminders in _dashboard_attention.html): the windowed lists carry every matching row to the
# count, so narrow rows sort and count faster, and fewer model fields are built. A field left
# out and then read would cost a query per row: the fixed-query tests render every list.
_USER_NAME = ("first_name", "email")  # User.display_first_name
RESIDENT_ROW_FIELDS = ("id", "preferred_name", "house_id", "move_in_date", "house__name")
URGENT_FIELDS = (
    "id",
    "pairing_id",
    "happened_at",
    "concern_note",
    "pairing__resident_id",
    "pairing__mentor_id",
    "pairing__resident__preferred_name",
    "pairing__resident__house_id",
    "pairing__resident__house__name",
    "pairing__mentor__user_id",
    *(f"pairing__mentor__user__{name}" for name in _USER_NAME),
)
OVERDUE_FIELDS = (
    "id",
    "next_due_at",
    "resident_id",
    "mentor_id",
    "resident__preferred_name",
    "resident__house_id",
    "resident__house__name",
    "resident__house__time_zone",
    "mentor__user_id",
    *(f"mentor__user__{name}" for name in _USER_NAME),
)
FAILED_FIELDS = (
    "id",
    "kind",
    "failed_at",
    "pairing_id",
    "contact_id",
    "recipient_id",
    *(f"recipient__{name}" for name in _USER_NAME),
    "pairing__resident_id",
    "pairing__resident__preferred_name",
)


@dataclass
class Capped:
    """The first rows of a list and how many there are in all."""

    rows: list
    total: int

    @property
    def more(self) -> int:
        return max(self.total - len(self.rows), 0)


def capped(qs: QuerySet, limit: int = LIST_LIMIT) -> Capped:
    """The first `limit` rows and the total, in one query (a window count)."""
    rows = list(qs.annotate(list_total=Window(Count("pk")))[:limit])
    return Capped(rows=rows, total=rows[0].list_total if rows else 0)


def urgent_concerns(scope: Scope) -> Capped:
    """Urgent concerns nobody has acknowledged, oldest first (contact_urgent_open_idx)."""
    qs = (
        scope.staff_contacts()
        .filter(concern_level=ContactLog.Concern.URGENT, acknowledged_at__isnull=True)
        .select_related("pairing__resident__house", "pairing__mentor__user")
        .only(*URGENT_FIELDS)
        .order_by("created_at", "id")
    )
    return capped(qs)


def overdue_checkins(scope: Scope, now: dt.datetime) -> Capped:
    """Active pairings that read "Overdue by ..." (the check-in rule, matching/checkins.py),
    most overdue first (pairing_overdue_idx), each with its `checkin` state and words."""
    qs = (
        scope.staff_pairings()
        .overdue(now)
        .select_related("resident__house", "mentor__user")
        .only(*OVERDUE_FIELDS)
        .order_by("next_due_at", "id")
    )
    listed = capped(qs)
    for pairing in listed.rows:
        pairing.checkin = pairing.checkin_state(now)
    return listed


def residents_waiting(scope: Scope, today: dt.date) -> Capped:
    """Active residents with no open pairing, longest waiting first.

    Waiting since the later of move-in and the end of their last pairing.
    """
    open_pairing = Pairing.objects.filter(
        resident_id=OuterRef("pk"), status__in=Pairing.OPEN_STATUSES
    )
    last_ended = (
        Pairing.objects.filter(resident_id=OuterRef("pk"), ended_on__isnull=False)
        .order_by("-ended_on")
        .values("ended_on")[:1]
    )
    qs = (
        scope.staff_residents()
        .filter(status="active")
        .exclude(Exists(open_pairing))
        .annotate(
            waiting_since=Greatest(
                F("move_in_date"),
                Coalesce(Subquery(last_ended, output_field=DateField()), F("move_in_date")),
            )
        )
        .select_related("house")
        .only(*RESIDENT_ROW_FIELDS)
        .order_by("waiting_since", "id")
    )
    listed = capped(qs)
    for resident in listed.rows:
        resident.days_waiting = max((today - resident.waiting_since).days, 0)
    return listed


def mentors_needing_training(scope: Scope, today: dt.date) -> Capped:
    """Active or in-training mentors serving the houses in scope who are not cleared, or whose
    required training expires within EXPIRY_WARNING_DAYS. Mentors with mentees come first."""
    soon = today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    next_expiry = (
        TrainingRecord.objects.filter(
            mentor_id=OuterRef("pk"),
            course__required=True,
            expires_on__gte=today,
        )
        .order_by()
        .values("mentor_id")
        .annotate(first=Min("expires_on"))
        .values("first")
    )
    # Filtered with uncorrelated subqueries (hashed once), not the per-row annotations below:
    # those then run only for the mentors listed (dashboard 30 ms -> ~5 ms at --scale large).
    # "Next required expiry <= soon" is "a required record expires between today and soon".
    expiring = TrainingRecord.objects.filter(
        course__required=True, expires_on__gte=today, expires_on__lte=soon
    ).values("mentor_id")
    not_cleared = Mentor.objects.filter_cleared(False, today).values("pk")
    qs = (
        Mentor.objects.visible_to(scope.user)
        .filter(status__in=[Mentor.Status.ACTIVE, Mentor.Status.IN_TRAINING])
        .filter(Q(pk__in=not_cleared) | Q(pk__in=expiring))
        .with_clearance(today)
        .with_active_mentee_count()
        .annotate(next_expiry=Subquery(next_expiry, output_field=DateField()))
    )
    if not (scope.all_houses and scope.house_id is None):
        ids = (scope.house_id,) if scope.house_id else scope.house_ids
        # Uncorrelated IN (...) subqueries: hashed once, not probed per mentor.
        serves = Mentor.houses.through.objects.filter(house_id__in=ids).values("mentor_id")
        paired_here = scope.pairings().values("mentor_id")
        qs = qs.filter(Q(serves_all_houses=True) | Q(pk__in=serves) | Q(pk__in=paired_here))
    qs = qs.select_related("user").order_by(
        F("active_mentees").desc(), F("next_expiry").asc(nulls_last=True), "id"
    )
    return capped(qs)


def failed_reminders(scope: Scope, now: dt.datetime) -> Capped:
    """Reminders given up on in the last FAILED_REMINDER_DAYS (reminder_failed_idx), newest first.

    Scope: reminders about a pairing or contact in scope, or addressed to this user; admins
    without a house filter see all.
    """
    qs = Reminder.objects.filter(failed_at__gte=now - dt.timedelta(days=FAILED_REMINDER_DAYS))
    if not (scope.all_houses and scope.house_id is None):
        # Through the joins, as failing_houses: the rows of `pairing__in=staff_pairings()` and
        # `contact__pairing__in=...`, without compiling two subqueries (~0.5 ms a dashboard).
        qs = qs.filter(
            scope.house_q("pairing__resident__house_id")
            | scope.house_q("contact__pairing__resident__house_id")
            | Q(recipient=scope.user, pairing__isnull=True, contact__isnull=True)
        )
    qs = (
        qs.select_related("recipient", "pairing__resident")
        .only(*FAILED_FIELDS)
        .order_by("-failed_at", "-id")
    )
    return capped(qs)


def failing_houses(scope: Scope, now: dt.datetime) -> list[dict]:
    """Houses with reminders failing now (retrying after an error) or given up in the last
    FAILED_REMINDER_DAYS, with how many: one grouped query, capped at LIST_LIMIT houses.

    Reminders about no house (training) are not counted here; they are in the list below.
    """
    failing = Q(sent_at__isnull=True) & (
        Q(failed_at__isnull=True, attempts__gt=0)
        | Q(failed_at__gte=now - dt.timedelta(days=FAILED_REMINDER_DAYS))
    )
    qs = Reminder.objects.filter(failing)
    if not (scope.all_houses and scope.house_id is None):
        # Through the joins the house name is read by, not three `IN (subquery)`: the same rows.
        qs = qs.filter(
            scope.house_q("pairing__resident__house_id")
            | scope.house_q("contact__pairing__resident__house_id")
            | scope.house_q("resident__house_id")
        )
    return list(
        qs.annotate(
            # A link texted to a resident (activity_log/feedback/texts.py) counts for its house.
            house_id=Coalesce(
                "pairing__resident__house_id",
                "contact__pairing__resident__house_id",
                "resident__house_id",
            ),
            house_name=Coalesce(
                "pairing__resident__house__name",
                "contact__pairing__resident__house__name",
                "resident__house__name",
            ),
        )
        .filter(house_id__isnull=False)
        .values("house_id", "house_name")
        .annotate(count=Count("id"))
        .order_by("-count", "house_name")[:LIST_LIMIT]
    )


def today_and_now() -> tuple[dt.date, dt.datetime]:
    now = timezone.now()
    return timezone.localdate(now), now
