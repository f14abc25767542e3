from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from mentoring_site.roles import Role, role_of
from residents.models import House, Language, RecoveryPathway


class TrainingCourse(models.Model):
    name = models.CharField(verbose_name=_("name"), max_length=150, unique=True)
    description = models.TextField(verbose_name=_("description"), blank=True)
    required = models.BooleanField(verbose_name=_("required"), default=True)
    hours = models.DecimalField(
        verbose_name=_("hours"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    valid_months = models.PositiveSmallIntegerField(
        verbose_name=_("valid months"),
        null=True,
        blank=True,
        help_text=_("Leave empty if the course never expires."),
    )
    is_active = models.BooleanField(verbose_name=_("is active"), default=True)

    class Meta:
        ordering = ["-required", "name"]
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")

    def __str__(self) -> str:
        return gettext(self.name)  # seeded names: mentoring_site/lookup_names.py

    def expiry_for(self, completed_on: dt.date) -> dt.date | None:
        if not self.valid_months:
            return None
        month_index = completed_on.month - 1 + self.valid_months
        year = completed_on.year + month_index // 12
        month = month_index % 12 + 1
        # Clamp the day (31 January + 1 month = 28/29 February).
        for day in (completed_on.day, 30, 29, 28):
            try:
                return dt.date(year, month, day)
            except ValueError:
                continue
        raise AssertionError("unreachable")


@dataclass(frozen=True)
class Clearance:
    cleared: bool
    reasons: list[str]


class MentorQuerySet(models.QuerySet):
    def visible_to(self, user) -> MentorQuerySet:
        role = role_of(user)
        if role in (Role.ADMIN, Role.MANAGER):
            # Managers see every profile so they can match; logs stay scoped elsewhere.
            return self.all()
        if role == Role.MENTOR:
            return self.filter(user=user)
        return self.none()

    def changeable_by(self, user) -> MentorQuerySet:
        """Mentors whose profile, training and invitation the user may change. Admins: all.
        Managers: mentors who serve one of their houses (serving every house counts). Mentors
        change only their own profile, through "My profile" (not this)."""
        role = role_of(user)
        if role == Role.ADMIN:
            return self.all()
        if role == Role.MANAGER:
            managed = House.objects.filter(managers=user)
            serving = Mentor.houses.through.objects.filter(house__in=managed).values("mentor_id")
            return self.filter(Q(pk__in=serving) | (Q(serves_all_houses=True) & Q(Exists(managed))))
        return self.none()

    def status_changeable_by(self, user) -> MentorQuerySet:
        """Mentors whose status the user may change. A status belongs to the whole mentor (on
        break pauses every pairing they have), so a manager changes it only for a mentor who
        serves no house but theirs and has no open pairing elsewhere: a manager's status
        change can never pause a pairing in a house they do not manage. Admins: all."""
        if role_of(user) != Role.MANAGER:
            return self.changeable_by(user)
        pairing = apps.get_model("matching", "Pairing")
        elsewhere = House.objects.exclude(managers=user)
        serves_elsewhere = Mentor.houses.through.objects.filter(
            mentor=OuterRef("pk"), house__in=elsewhere
        )
        pairs_elsewhere = pairing.objects.filter(
            mentor=OuterRef("pk"),
            status__in=pairing.OPEN_STATUSES,
            resident__house__in=elsewhere,
        )
        return (
            self.changeable_by(user)
            .exclude(Q(serves_all_houses=True) & Q(Exists(elsewhere)))
            .exclude(Exists(serves_elsewhere))
            .exclude(Exists(pairs_elsewhere))
        )

    def away(self, today: dt.date | None = None) -> MentorQuerySet:
        """Mentors whose away period covers `today` (from `away_from`, until `back_on`)."""
        today = today or timezone.localdate()
        return self.filter(away_from__lte=today, back_on__gt=today)

    def with_clearance(self, today: dt.date | None = None) -> MentorQuerySet:
        """Annotates `is_cleared_db` (bool) in one query, no per-row lookups.

        Cleared = active, recovery-since at least MENTOR_MIN_RECOVERY_DAYS ago, and no required,
        active course without a completed, unexpired record.
        """
        today = today or timezone.localdate()
        recovery_cutoff = today - dt.timedelta(days=settings.MENTOR_MIN_RECOVERY_DAYS)
        valid_record = TrainingRecord.objects.filter(
            mentor=OuterRef(OuterRef("pk")),
            course=OuterRef("pk"),
            completed_on__lte=today,
        ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        missing_course = TrainingCourse.objects.filter(required=True, is_active=True).exclude(
            Exists(valid_record)
        )
        # alias(), not annotate(): the subquery then appears once in the SQL, inside is_cleared_db.
        return self.alias(
            missing_required=Exists(missing_course),
        ).annotate(
            is_cleared_db=models.ExpressionWrapper(
                Q(status=Mentor.Status.ACTIVE)
                & Q(recovery_since__isnull=False)
                & Q(recovery_since__lte=recovery_cutoff)
                & Q(missing_required=False),
                output_field=models.BooleanField(),
            )
        )

    def filter_cleared(self, cleared: bool, today: dt.date | None = None) -> MentorQuerySet:
        """Mentors who are (or are not) cleared: the rule of `with_clearance`, as uncorrelated
        `IN (...)` subqueries that PostgreSQL hashes once, for filtering many mentors.

        `with_clearance` checks every course per row (~30 µs a mentor: 30 ms for the dashboard's
        ~1,000 active mentors at --scale large); annotate it only on the rows you show.
        """
        today = today or timezone.localdate()
        recovery_cutoff = today - dt.timedelta(days=settings.MENTOR_MIN_RECOVERY_DAYS)
        required = TrainingCourse.objects.filter(required=True, is_active=True)
        # Mentors with a completed, unexpired record of every required, active course.
        fully_trained = (
            TrainingRecord.objects.filter(course__in=required, completed_on__lte=today)
            .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
            .order_by()
            .values("mentor_id")
            .annotate(courses=Count("course_id", distinct=True))
            .filter(
                courses=Subquery(
                    required.order_by().values("required").annotate(n=Count("pk")).values("n")
                )
            )
            .values("mentor_id")
        )
        condition = (
            Q(status=Mentor.Status.ACTIVE)
            & Q(recovery_since__isnull=False)
            & Q(recovery_since__lte=recovery_cutoff)
            & (~Q(Exists(required)) | Q(pk__in=fully_trained))
        )
        return self.filter(condition if cleared else ~condition)

    def cleared(self, today: dt.date | None = None) -> MentorQuerySet:
        return self.with_clearance(today).filter(is_cleared_db=True)

    def with_active_mentee_count(self) -> MentorQuerySet:
        """Annotates `active_mentees`: a correlated count, so no GROUP BY (works with filters,
        other annotations and select_for_update). Pairing lives in a higher app, so it is looked
        up by name rather than imported."""
        pairing = apps.get_model("matching", "Pairing")
        active = (
            pairing.objects.filter(mentor=OuterRef("pk"), status="active")
            .order_by()
            .values("mentor")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(
            active_mentees=Coalesce(Subquery(active, output_field=models.IntegerField()), 0)
        )


class Mentor(models.Model):
    class Status(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        IN_TRAINING = "in_training", _("In training")
        ACTIVE = "active", _("Active")
        ON_BREAK = "on_break", _("On break")
        RETIRED = "retired", _("Retired")

    class Gender(models.TextChoices):
        UNSPECIFIED = "", _("Prefer not to say")
        WOMAN = "woman", _("Woman")
        MAN = "man", _("Man")
        NONBINARY = "nonbinary", _("Non-binary")
        SELF_DESCRIBED = "self_described", _("Self-described")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="mentor_profile",
    )
    status = models.CharField(
        verbose_name=_("status"), max_length=12, choices=Status.choices, default=Status.APPLICANT
    )
    status_changed_on = models.DateField(
        verbose_name=_("status changed on"), default=timezone.localdate
    )
    recovery_since = models.DateField(verbose_name=_("recovery since"), null=True, blank=True)
    bio = models.TextField(_("lived experience, in a few lines"), blank=True, max_length=1000)
    phone = models.CharField(verbose_name=_("phone"), max_length=30, blank=True)
    gender = models.CharField(
        verbose_name=_("gender"), max_length=20, choices=Gender.choices, blank=True, default=""
    )
    gender_self_description = models.CharField(
        verbose_name=_("gender self description"), max_length=60, blank=True
    )
    languages = models.ManyToManyField(
        Language, verbose_name=_("languages"), blank=True, related_name="mentors"
    )
    pathways = models.ManyToManyField(
        RecoveryPathway, verbose_name=_("pathways"), blank=True, related_name="mentors"
    )
    houses = models.ManyToManyField(
        House, verbose_name=_("houses"), blank=True, related_name="mentors_serving"
    )
    serves_all_houses = models.BooleanField(verbose_name=_("serves all houses"), default=False)
    capacity = models.PositiveSmallIntegerField(
        verbose_name=_("capacity"),
        default=3,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text=_("Most active mentees at once (0 to 10)."),
    )
    # "Away from ... back on ...", set by the mentor on My profile (at most AWAY_MAX_DAYS):
    # while today is in [away_from, back_on) their pairings pause (reason "mentor away") and
    # suggestions skip them; on back_on the daily task resumes what it paused.
    away_from = models.DateField(verbose_name=_("away from"), null=True, blank=True)
    back_on = models.DateField(verbose_name=_("back on"), null=True, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    objects = MentorQuerySet.as_manager()

    class Meta:
        ordering = ["user__first_name", "user__last_name", "id"]
        indexes = [
            # Roster filter by status; matching looks for active mentors.
            models.Index(fields=["status"], name="mentor_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=0) & Q(capacity__lte=10), name="mentor_capacity_0_10"
            ),
            models.CheckConstraint(
                condition=(Q(away_from__isnull=True) & Q(back_on__isnull=True))
                | Q(back_on__gt=F("away_from")),
                name="mentor_away_period",
            ),
        ]
        verbose_name = _("mentor")
        verbose_name_plural = _("mentors")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.email

    @property
    def first_name(self) -> str:
        return self.user.display_first_name

    def is_away(self, today: dt.date | None = None) -> bool:
        """Today falls in the mentor's away period (the rule of `MentorQuerySet.away()`)."""
        today = today or timezone.localdate()
        return bool(self.away_from and self.back_on and self.away_from <= today < self.back_on)

    def clearance(self, today: dt.date | None = None) -> Clearance:
        """Whether this one mentor may be paired, and in words what is missing.

        Two queries at most (required courses, and training records unless prefetched). Lists use
        `MentorQuerySet.with_clearance()` or `compute_clearance()` with prefetched records instead.
        """
        today = today or timezone.localdate()
        required = list(TrainingCourse.objects.filter(required=True, is_active=True))
        return compute_clearance(
            self, records=self.training_records.all(), required_courses=required, today=today
        )

    @property
    def is_cleared(self) -> bool:
        annotated = getattr(self, "is_cleared_db", None)
        if annotated is not None:
            return bool(annotated)
        return self.clearance().cleared

    def clean(self) -> None:
        errors = {}
        if self.recovery_since and self.recovery_since > timezone.localdate():
            errors["recovery_since"] = gettext("Recovery-since cannot be in the future.")
        if self.gender != self.Gender.SELF_DESCRIBED:
            self.gender_self_description = ""
        elif not self.gender_self_description.strip():
            errors["gender_self_description"] = gettext(
                "Describe the gender in a few words, or pick another option."
            )
        if errors:
            raise ValidationError(errors)


UNAVAILABLE_STATUSES = (Mentor.Status.ON_BREAK, Mentor.Status.RETIRED)


def compute_clearance(
    mentor: Mentor,
    *,
    records: Iterable[TrainingRecord],
    required_courses: Iterable[TrainingCourse],
    today: dt.date,
) -> Clearance:
    """The clearance rule in Python, without queries: the same rule as `with_clearance()`.

    `records` are this mentor's training records (prefetched for lists); `required_courses`
    the required, active courses (one query shared by every row).
    """
    reasons: list[str] = []
    if mentor.status != Mentor.Status.ACTIVE:
        reasons.append(
            gettext("Status is %(status)s") % {"status": mentor.get_status_display().lower()}
        )
    min_days = settings.MENTOR_MIN_RECOVERY_DAYS
    if mentor.recovery_since is None:
        reasons.append(gettext("Recovery-since date not recorded"))
    elif mentor.recovery_since > today - dt.timedelta(days=min_days):
        eligible = mentor.recovery_since + dt.timedelta(days=min_days)
        if min_days == 365:
            reason = gettext("Less than a year in recovery (eligible from %(day)s)")
        else:
            reason = gettext("Less than %(days)s days in recovery (eligible from %(day)s)")
        reasons.append(reason % {"days": min_days, "day": format_day(eligible)})
    done = [r for r in records if r.completed_on <= today]
    for course in required_courses:
        mine = [r for r in done if r.course_id == course.pk]
        if any(r.expires_on is None or r.expires_on >= today for r in mine):
            continue
        if mine:
            latest = max(r.expires_on for r in mine)
            reasons.append(
                gettext("%(course)s expired %(day)s")
                % {"course": course, "day": format_day(latest)}
            )
        else:
            reasons.append(gettext("%(course)s not completed") % {"course": course})
    return Clearance(cleared=not reasons, reasons=reasons)


def format_day(day: dt.date) -> str:
    """3 March 2026 (3 de marzo de 2026): the way people write dates in reasons and emails."""
    return formats.date_format(day, pgettext("date format", "j F Y"))


class MentorStatusChange(models.Model):
    class Account(models.TextChoices):
        UNCHANGED = "", "—"
        DEACTIVATED = "deactivated", _("Sign-in turned off, sessions ended")
        REACTIVATED = "reactivated", _("Sign-in turned back on")

    mentor = models.ForeignKey(
        Mentor, verbose_name=_("mentor"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(
        verbose_name=_("from status"), max_length=12, choices=Mentor.Status.choices
    )
    to_status = models.CharField(
        verbose_name=_("to status"), max_length=12, choices=Mentor.Status.choices
    )
    reason = models.CharField(verbose_name=_("reason"), max_length=500, blank=True)
    # What the change did to the mentor's account: retiring turns sign-in off, returning on.
    account = models.CharField(
        verbose_name=_("account"), max_length=12, choices=Account.choices, blank=True, default=""
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(verbose_name=_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("mentor status change")
        verbose_name_plural = _("mentor status changes")

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"


class MentorProfileChange(models.Model):
    """A change by staff to what clearance or matching depends on, kept with who and when
    (a mentor's own "My profile" cannot change these)."""

    class Field(models.TextChoices):
        RECOVERY_SINCE = "recovery_since", _("In recovery since")
        HOUSES = "houses", _("Houses served")
        SERVES_ALL_HOUSES = "serves_all_houses", _("Serves every house")
        CAPACITY = "capacity", _("Capacity")
        AWAY = "away", _("Away")

    mentor = models.ForeignKey(
        Mentor, verbose_name=_("mentor"), on_delete=models.CASCADE, related_name="profile_changes"
    )
    field = models.CharField(verbose_name=_("field"), max_length=20, choices=Field.choices)
    old_value = models.CharField(verbose_name=_("old value"), max_length=1000, blank=True)
    new_value = models.CharField(verbose_name=_("new value"), max_length=1000, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(verbose_name=_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("mentor profile change")
        verbose_name_plural = _("mentor profile changes")

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} -> {self.new_value}"


class TrainingRecord(models.Model):
    mentor = models.ForeignKey(
        Mentor, verbose_name=_("mentor"), on_delete=models.CASCADE, related_name="training_records"
    )
    course = models.ForeignKey(
        TrainingCourse, verbose_name=_("course"), on_delete=models.PROTECT, related_name="records"
    )
    completed_on = models.DateField(verbose_name=_("completed on"))
    expires_on = models.DateField(verbose_name=_("expires on"), null=True, blank=True)
    hours = models.DecimalField(
        verbose_name=_("hours"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(verbose_name=_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-completed_on", "-id"]
        indexes = [
            # Clearance annotation: valid record of a course for a mentor.
            models.Index(fields=["mentor", "course", "expires_on"], name="training_clearance_idx"),
            # Training expiring soon (dashboard and the reminder scan).
            models.Index(fields=["expires_on"], name="training_expires_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["mentor", "course", "completed_on"],
                name="training_once_per_day",
                violation_error_message=(
                    "This course is already recorded for this mentor on that date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=F("completed_on")),
                name="training_expires_after_completed",
            ),
        ]
        verbose_name = _("training record")
        verbose_name_plural = _("training records")

    def __str__(self) -> str:
        return gettext("%(course)s on %(date)s") % {
            "course": self.course,
            "date": self.completed_on,
        }

    def clean(self) -> None:
        if self.completed_on and self.completed_on > timezone.localdate():
            raise ValidationError({"completed_on": "The completion date cannot be in the future."})
