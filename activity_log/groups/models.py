"""Group sessions, their weekly series and attendance. Re-exported from activity_log.models."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mentoring_site.roles import Role, role_of
from mentors.models import Mentor
from residents.models import House, Resident, house_zone


class Kind(models.TextChoices):
    HOUSE_MEETING = "house_meeting", _("House meeting")
    SUPPORT_GROUP = "support_group", _("Peer support group")
    WORKSHOP = "workshop", _("Skills workshop")
    MENTOR_CIRCLE = "mentor_circle", _("Mentor circle")


class GroupSessionQuerySet(models.QuerySet):
    def visible_to(self, user) -> GroupSessionQuerySet:
        """Admins all; managers their houses' sessions and program-wide ones; mentors the
        sessions they facilitate, and mentor circles they attended."""
        role = role_of(user)
        if role == Role.ADMIN:
            return self.all()
        if role == Role.MANAGER:
            # A subquery, not a join on managers: no duplicate rows, no DISTINCT.
            houses = House.objects.filter(managers=user).values("pk")
            facilitating = GroupSession.facilitator_users.through.objects.filter(user=user)
            return self.filter(
                Q(house__in=houses)
                | Q(house__isnull=True)
                | Q(pk__in=facilitating.values("groupsession_id"))
            )
        if role == Role.MENTOR:
            return self.filter(
                Q(
                    pk__in=GroupSession.facilitator_mentors.through.objects.filter(
                        mentor__user=user
                    ).values("groupsession_id")
                )
                | Q(pk__in=Attendance.objects.filter(mentor__user=user).values("session_id"))
            )
        return self.none()

    def changeable_by(self, user) -> GroupSessionQuerySet:
        """Sessions the user may schedule, edit or cancel: admins all, managers their houses
        (program-wide sessions are the admins')."""
        role = role_of(user)
        if role == Role.ADMIN:
            return self.all()
        if role == Role.MANAGER:
            return self.filter(house__in=House.objects.filter(managers=user).values("pk"))
        return self.none()

    def attendance_takeable_by(self, user) -> GroupSessionQuerySet:
        """Who may take attendance: the facilitators (mentors or staff named on it), and the
        managers who may change the session."""
        return self.filter(
            Q(pk__in=self.changeable_by(user).values("pk"))
            | Q(pk__in=GroupSession.objects.facilitated_by(user).values("pk"))
            | Q(
                pk__in=GroupSession.facilitator_users.through.objects.filter(user=user).values(
                    "groupsession_id"
                )
            )
        )

    def facilitated_by(self, user) -> GroupSessionQuerySet:
        return self.filter(
            pk__in=GroupSession.facilitator_mentors.through.objects.filter(
                mentor__user=user
            ).values("groupsession_id")
        )

    def held(self) -> GroupSessionQuerySet:
        return self.filter(status=GroupSession.Status.SCHEDULED)


class GroupSeries(models.Model):
    """A weekly repetition. Occurrences are generated ahead in a bounded window
    (services.series_extend), never all at once."""

    house = models.ForeignKey(
        House,
        verbose_name=_("house"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="group_series",
    )
    kind = models.CharField(verbose_name=_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(verbose_name=_("title"), max_length=120)
    place = models.CharField(verbose_name=_("place"), max_length=120, blank=True)
    starts_on = models.DateField(
        verbose_name=_("starts on"), help_text="Date of the first occurrence (sets the weekday)."
    )
    start_time = models.TimeField(
        verbose_name=_("start time"), help_text="Local time in the house's time zone."
    )
    duration_minutes = models.PositiveSmallIntegerField(
        verbose_name=_("duration minutes"), default=60
    )
    until = models.DateField(
        verbose_name=_("until"), help_text="Last date an occurrence may fall on."
    )
    facilitator_mentors = models.ManyToManyField(
        Mentor, verbose_name=_("facilitator mentors"), blank=True, related_name="+"
    )
    facilitator_residents = models.ManyToManyField(
        Resident, verbose_name=_("facilitator residents"), blank=True, related_name="+"
    )
    facilitator_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("facilitator users"), blank=True, related_name="+"
    )
    # Occurrences exist up to this date; series_extend continues from the day after.
    generated_until = models.DateField(verbose_name=_("generated until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name_plural = _("group series")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0, duration_minutes__lte=600),
                name="group_series_duration_1_600",
            ),
            models.CheckConstraint(
                condition=Q(until__gte=models.F("starts_on")), name="group_series_until_after_start"
            ),
        ]
        verbose_name = _("group series")

    def __str__(self) -> str:
        return gettext("%(title)s (weekly)") % {"title": self.title}

    def zone(self) -> zoneinfo.ZoneInfo:
        # An unknown zone name falls back to the program's (never a 500).
        return house_zone(self.house)

    def skipped_days(self) -> list[tuple[dt.date, dt.time]]:
        """The weeks whose start time does not exist on the house's clock (the hour skipped when
        clocks go forward), each with the time that occurrence starts instead (an hour later:
        how a zone reads a time in the gap). The manager is told when saving the series."""
        zone, found = self.zone(), []
        day = self.starts_on
        while day <= self.until:
            local = dt.datetime.combine(day, self.start_time, tzinfo=zone)
            real = local.astimezone(dt.UTC).astimezone(zone)
            if real.replace(tzinfo=None) != local.replace(tzinfo=None):
                found.append((day, real.time()))
            day += dt.timedelta(days=7)
        return found


class GroupSession(models.Model):
    Kind = Kind

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    house = models.ForeignKey(
        House,
        verbose_name=_("house"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="group_sessions",
        help_text="Empty: program-wide (admins only).",
    )
    kind = models.CharField(verbose_name=_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(verbose_name=_("title"), max_length=120)
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(
        verbose_name=_("duration minutes"), default=60
    )
    place = models.CharField(verbose_name=_("place"), max_length=120, blank=True)
    facilitator_mentors = models.ManyToManyField(
        Mentor,
        verbose_name=_("facilitator mentors"),
        blank=True,
        related_name="facilitated_sessions",
    )
    facilitator_residents = models.ManyToManyField(
        Resident, verbose_name=_("facilitator residents"), blank=True, related_name="+"
    )
    facilitator_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("facilitator users"), blank=True, related_name="+"
    )
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    cancel_reason = models.CharField(verbose_name=_("cancel reason"), max_length=280, blank=True)
    series = models.ForeignKey(
        GroupSeries,
        verbose_name=_("series"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
    )
    # The local date this occurrence stands for in its series: one occurrence per date, so
    # extending a series twice (two beats) creates nothing new.
    series_date = models.DateField(verbose_name=_("series date"), null=True, blank=True)
    # Edited on its own ("this one"): later series edits leave it alone.
    detached = models.BooleanField(verbose_name=_("detached"), default=False)
    # Attendance: guests are a count only (no names); the note is shared practice, never names.
    guests = models.PositiveSmallIntegerField(verbose_name=_("guests"), default=0)
    attendance_note = models.CharField(
        verbose_name=_("attendance note"), max_length=280, blank=True
    )
    attendance_taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attendance taken by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    attendance_taken_at = models.DateTimeField(
        verbose_name=_("attendance taken at"), null=True, blank=True
    )
    # The key of the attendance form last saved (the saved page clears that draft).
    attendance_key = models.UUIDField(verbose_name=_("attendance key"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    objects = GroupSessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            # House page "next four weeks" and the Today partial.
            models.Index(fields=["house", "starts_at"], name="group_session_house_time_idx"),
            # Dashboard: held sessions still waiting for attendance.
            models.Index(
                fields=["starts_at"],
                name="group_session_no_att_idx",
                condition=Q(status="scheduled", attendance_taken_at__isnull=True),
            ),
        ]
        constraints = [
            # A session ends after it starts.
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0, duration_minutes__lte=600),
                name="group_session_duration_1_600",
            ),
            models.UniqueConstraint(
                fields=["series", "series_date"], name="group_session_once_per_series_date"
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled") | Q(cancel_reason=""),
                name="group_session_reason_only_when_cancelled",
            ),
        ]
        verbose_name = _("group session")
        verbose_name_plural = _("group sessions")

    def __str__(self) -> str:
        return self.title

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_circle(self) -> bool:
        return self.kind == Kind.MENTOR_CIRCLE

    def zone(self) -> zoneinfo.ZoneInfo:
        # An unknown zone name falls back to the program's (never a 500).
        return house_zone(self.house)


class AttendanceQuerySet(models.QuerySet):
    def visible_to(self, user) -> AttendanceQuerySet:
        """Managers: their houses' sessions (residents' attendance is resident data); mentors:
        attendance of sessions they facilitated or attended (mentor circles)."""
        role = role_of(user)
        if role == Role.ADMIN:
            return self.all()
        if role == Role.MANAGER:
            return self.filter(session__in=GroupSession.objects.visible_to(user).values("pk"))
        if role == Role.MENTOR:
            return self.filter(session__in=GroupSession.objects.visible_to(user).values("pk"))
        return self.none()


class Attendance(models.Model):
    """One person at one session: a resident or a mentor, never both."""

    session = models.ForeignKey(
        GroupSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendance"
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="group_attendance",
    )
    mentor = models.ForeignKey(
        Mentor,
        verbose_name=_("mentor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="group_attendance",
    )

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        ordering = ["session", "id"]
        verbose_name_plural = _("attendance")
        indexes = [
            # Resident page: attendance over the last 90 days.
            models.Index(fields=["resident", "session"], name="attendance_resident_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(resident__isnull=False, mentor__isnull=True)
                | Q(resident__isnull=True, mentor__isnull=False),
                name="attendance_resident_xor_mentor",
            ),
            models.UniqueConstraint(
                fields=["session", "resident"], name="attendance_once_per_resident"
            ),
            models.UniqueConstraint(
                fields=["session", "mentor"], name="attendance_once_per_mentor"
            ),
        ]
        verbose_name = _("attendance")

    def __str__(self) -> str:
        return gettext("Attendance #%(id)s") % {"id": self.pk}


class AttendanceSubmission(models.Model):
    """One row per attendance form saved: the same form (key) from the same user saves once,
    even when a browser resends an older form after a newer correction."""

    session = models.ForeignKey(
        GroupSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="attendance_submissions",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.UUIDField(verbose_name=_("key"))
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="attendance_submission_once"),
        ]
        verbose_name = _("attendance submission")
        verbose_name_plural = _("attendance submissions")

    def __str__(self) -> str:
        return f"Attendance form {self.key}"
