from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from matching import checkins
from mentoring_site.roles import Role, role_of
from mentors.models import UNAVAILABLE_STATUSES, Mentor
from residents.models import Resident


def default_checkin_interval() -> int:
    return settings.CHECKIN_INTERVAL_DEFAULT_DAYS


class PairingQuerySet(models.QuerySet):
    def visible_to(self, user) -> PairingQuerySet:
        role = role_of(user)
        if role == Role.ADMIN:
            return self.all()
        if role == Role.MANAGER:
            return self.filter(resident__house__managers=user)
        if role == Role.MENTOR:
            return self.filter(mentor__user=user)
        return self.none()

    def active(self) -> PairingQuerySet:
        return self.filter(status=Pairing.Status.ACTIVE)

    def open(self) -> PairingQuerySet:
        return self.filter(status__in=Pairing.OPEN_STATUSES)

    def current(self) -> PairingQuerySet:
        """Pairings whose relationship is live: open, and the mentor neither on break nor
        retired. Only these give a mentor the log form, goals, phone and write access; after
        that they keep the contacts they wrote, read-only. Python twin: `Pairing.is_current`."""
        return self.open().exclude(mentor__status__in=UNAVAILABLE_STATUSES)

    # The check-in rule's SQL forms (matching/checkins.py); Python twin: `Pairing.checkin_state`.

    def overdue(self, now: dt.datetime) -> PairingQuerySet:
        """Active pairings that read "Overdue by ..." at `now` (pairing_overdue_idx)."""
        return self.filter(checkins.overdue_q(now))

    def reminder_due(self, now: dt.datetime) -> PairingQuerySet:
        """Active pairings owed a mentor reminder at `now` (pairing_due_scan_idx)."""
        return self.filter(checkins.reminder_q(now))

    def escalation_due(self, now: dt.datetime) -> PairingQuerySet:
        """Active pairings owed a manager escalation at `now` (pairing_due_scan_idx)."""
        return self.filter(checkins.escalation_q(now))


class Pairing(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("pairing status", "Active")
        PAUSED = "paused", pgettext_lazy("pairing status", "Paused")
        ENDED = "ended", pgettext_lazy("pairing status", "Ended")

    class EndReason(models.TextChoices):
        COMPLETED = "completed", pgettext_lazy("pairing end reason", "Completed")
        RESIDENT_LEFT = "resident_left", _("Resident left")
        MENTOR_UNAVAILABLE = (
            "mentor_unavailable",
            pgettext_lazy("pairing end reason", "Mentor unavailable"),
        )
        NOT_A_GOOD_FIT = "not_a_good_fit", _("Not a good fit")
        OTHER = "other", pgettext_lazy("pairing end reason", "Other")

    class PauseReason(models.TextChoices):
        NONE = "", "—"
        MANAGER = "manager", _("Paused by a manager")
        MENTOR_UNAVAILABLE = (
            "mentor_unavailable",
            pgettext_lazy("pairing pause reason", "Mentor unavailable"),
        )
        # The mentor set "away from ... back on ..." on My profile; resumed on the return date.
        MENTOR_AWAY = "mentor_away", _("Mentor away")

    OPEN_STATUSES = (Status.ACTIVE, Status.PAUSED)

    mentor = models.ForeignKey(
        Mentor, verbose_name=_("mentor"), on_delete=models.PROTECT, related_name="pairings"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="pairings"
    )
    status = models.CharField(
        verbose_name=_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE
    )
    started_on = models.DateField(verbose_name=_("started on"), default=timezone.localdate)
    paused_on = models.DateField(verbose_name=_("paused on"), null=True, blank=True)
    pause_reason = models.CharField(
        verbose_name=_("pause reason"),
        max_length=20,
        choices=PauseReason.choices,
        blank=True,
        default="",
    )
    ended_on = models.DateField(verbose_name=_("ended on"), null=True, blank=True)
    end_reason = models.CharField(
        verbose_name=_("end reason"), max_length=20, choices=EndReason.choices, blank=True
    )
    end_note = models.CharField(verbose_name=_("end note"), max_length=500, blank=True)
    checkin_interval_days = models.PositiveSmallIntegerField(
        verbose_name=_("checkin interval days"), default=default_checkin_interval
    )
    last_contact_at = models.DateTimeField(verbose_name=_("last contact at"), null=True, blank=True)
    next_due_at = models.DateTimeField(verbose_name=_("next due at"), null=True, blank=True)
    # Derived by the check-in rule with next_due_at (`refresh_due`): the next local midnight
    # after the due time, from when the check-in reads "Overdue" (matching/checkins.py).
    overdue_at = models.DateTimeField(
        verbose_name=_("overdue at"), null=True, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    objects = PairingQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-id"]
        indexes = [
            # The overdue scan: `status = active AND next_due_at < now - grace`, cost by due rows.
            models.Index(
                fields=["next_due_at"],
                name="pairing_due_scan_idx",
                condition=Q(status="active"),
            ),
            # The dashboard's overdue list and the reports' missed check-ins.
            models.Index(
                fields=["overdue_at"],
                name="pairing_overdue_idx",
                condition=Q(status="active"),
            ),
            # "My mentees", mentor capacity counts, the mentor page.
            models.Index(fields=["mentor", "status"], name="pairing_mentor_status_idx"),
            # Resident page history and the waiting queue (no open pairing).
            models.Index(fields=["resident", "status"], name="pairing_resident_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(status__in=["active", "paused"]),
                name="one_open_pairing_per_resident",
                violation_error_message="This resident already has a mentor.",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="pairing_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(checkin_interval_days__gte=1) & Q(checkin_interval_days__lte=30),
                name="pairing_interval_1_30",
            ),
        ]
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")

    def __str__(self) -> str:
        return gettext("Pairing #%(id)s") % {"id": self.pk}

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_current(self) -> bool:
        """The rule of `PairingQuerySet.current()` for one loaded pairing (reads `mentor`)."""
        return self.status in self.OPEN_STATUSES and self.mentor.status not in UNAVAILABLE_STATUSES

    def started_at(self) -> dt.datetime:
        """Start of the first day, in the house's time zone."""
        tz = self.resident.house.zone
        return dt.datetime.combine(self.started_on, dt.time.min, tzinfo=tz)

    @property
    def zone(self):
        """The house's time zone, in which check-in days are counted."""
        return self.resident.house.zone

    def next_due(self) -> dt.datetime | None:
        """The check-in rule's due time (matching/checkins.py); none unless active."""
        return self._due()[0]

    def _due(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        return checkins.next_due(
            active=self.status == self.Status.ACTIVE,
            started_on=self.started_on,
            last_contact_at=self.last_contact_at,
            interval_days=self.checkin_interval_days,
            tz=self.zone,
        )

    def refresh_due(self) -> None:
        """Sets next_due_at and overdue_at by the rule (the caller saves them)."""
        self.next_due_at, self.overdue_at = self._due()

    def checkin_state(self, now: dt.datetime | None = None) -> checkins.CheckinState:
        """How the check-in stands at `now`: state, days, words (from the stored due time)."""
        return checkins.state_at(self.next_due_at, now or timezone.now(), self.zone)

    def judge_contacts(
        self, contacts: list[tuple[int, dt.datetime, str]]
    ) -> dict[int, bool | None]:
        """{contact id: on time} for these contacts (id, happened_at, method) of this pairing."""
        return checkins.on_time_by_contact(
            contacts,
            started_on=self.started_on,
            interval_days=self.checkin_interval_days,
            tz=self.zone,
        )
