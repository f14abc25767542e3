from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from mentoring_site.roles import Role, role_of

# Oldest date any record may carry: the program's records start after this.
EARLIEST_DATE = dt.date(1990, 1, 1)
# How far ahead a move-in or a consent may be planned.
MAX_DAYS_AHEAD = 30


def choice_label(choices: type[models.Choices], value) -> str:
    """What Django's get_FOO_display() gives, translating only this value's label (Django's
    builds a dict of the field's choices on each call, which translates every label)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _check_not_ancient(errors: dict, field: str, value: dt.date | None) -> None:
    if value is not None and value < EARLIEST_DATE:
        errors[field] = gettext("Enter a date on or after %(date)s.") % {
            "date": formats.date_format(EARLIEST_DATE, pgettext("date format", "F j, Y"))
        }


def _check_not_far_ahead(errors: dict, field: str, value: dt.date | None, days: int) -> None:
    if value is not None and value > timezone.localdate() + dt.timedelta(days=days):
        errors.setdefault(
            field,
            gettext("This date is too far in the future.")
            if days
            else gettext("This date cannot be in the future."),
        )


class Language(models.Model):
    code = models.SlugField(verbose_name=_("code"), max_length=20, unique=True)
    name = models.CharField(verbose_name=_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self) -> str:
        return gettext(self.name)  # seeded names: mentoring_site/lookup_names.py


class RecoveryPathway(models.Model):
    slug = models.SlugField(verbose_name=_("slug"), max_length=40, unique=True)
    name = models.CharField(verbose_name=_("name"), max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("recovery pathway")
        verbose_name_plural = _("recovery pathways")

    def __str__(self) -> str:
        return gettext(self.name)  # seeded names: mentoring_site/lookup_names.py


@functools.cache
def _known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone_is_known(name: str) -> bool:
    return name in _known_time_zones()


def validate_time_zone(value: str) -> None:
    """Only names of the IANA database this server has (`zoneinfo.available_timezones()`)."""
    if not time_zone_is_known(value):
        raise ValidationError(
            gettext(
                "Unknown time zone %(value)s: use a name such as America/New_York or Europe/London."
            ),
            code="unknown_time_zone",
            params={"value": value},
        )


def zone_or_program(name: str) -> zoneinfo.ZoneInfo:
    """The named zone; the program zone (settings.TIME_ZONE) when the name is unknown.

    The one place a house's zone is read: a bad value entered before validation existed (or
    written around it) must not stop reminders or pages for everyone (docs/reliability.md).
    The reminder scan and sender log such houses once per run; the dashboard shows them.
    """
    if time_zone_is_known(name):
        return zoneinfo.ZoneInfo(name)
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def house_zone(house: House | None) -> zoneinfo.ZoneInfo:
    """The house's zone (`House.zone`: an unknown name falls back); the program zone for no
    house (a program-wide group session or reminder)."""
    return house.zone if house is not None else zoneinfo.ZoneInfo(settings.TIME_ZONE)


class HouseQuerySet(models.QuerySet):
    def visible_to(self, user) -> HouseQuerySet:
        role = role_of(user)
        if role == Role.ADMIN:
            return self.all()
        if role == Role.MANAGER:
            return self.filter(managers=user)
        if role == Role.MENTOR:
            return self.filter(
                Q(mentors_serving__user=user) | Q(residents__pairings__mentor__user=user)
            ).distinct()
        return self.none()


class House(models.Model):
    name = models.CharField(verbose_name=_("name"), max_length=100, unique=True)
    address = models.TextField(verbose_name=_("address"), blank=True)
    time_zone = models.CharField(
        verbose_name=_("time zone"),
        max_length=64,
        default=settings.TIME_ZONE,
        validators=[validate_time_zone],
        help_text=_("An IANA time zone name, e.g. America/New_York."),
    )
    beds = models.PositiveSmallIntegerField(verbose_name=_("beds"), default=8)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("managers"),
        related_name="managed_houses",
        blank=True,
    )

    objects = HouseQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("house")
        verbose_name_plural = _("houses")

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """Read every house zone through this (or `zone_or_program`): unknown names fall back."""
        return zone_or_program(self.time_zone)

    @property
    def zone_is_known(self) -> bool:
        return time_zone_is_known(self.time_zone)


class ResidentQuerySet(models.QuerySet):
    def visible_to(self, user) -> ResidentQuerySet:
        """The only way views and other apps read residents (see DESIGN: who sees what)."""
        role = role_of(user)
        if role == Role.ADMIN:
            return self.all()
        if role == Role.MANAGER:
            return self.filter(house__managers=user)
        if role == Role.MENTOR:
            # Current and past mentees. Pairing lives in a higher app, so it is looked up by
            # name rather than imported (imports run activity_log -> matching -> mentors -> residents).
            pairing = apps.get_model("matching", "Pairing")
            return self.filter(
                pk__in=pairing.objects.filter(mentor__user=user).values("resident_id")
            )
        return self.none()

    def active(self) -> ResidentQuerySet:
        return self.filter(status=Resident.Status.ACTIVE)


class Resident(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("resident status", "Active")
        GRADUATED = "graduated", _("Graduated")
        MOVED_OUT = "moved_out", _("Moved out")
        DISCHARGED = "discharged", _("Discharged")

    class MentorGender(models.TextChoices):
        NO_PREFERENCE = "", _("No preference")
        WOMAN = "woman", _("Woman")
        MAN = "man", _("Man")
        NONBINARY = "nonbinary", _("Non-binary")

    preferred_name = models.CharField(verbose_name=_("preferred name"), max_length=100)
    first_name = models.CharField(_("legal first name"), max_length=100)
    last_name = models.CharField(_("legal last name"), max_length=100)
    house = models.ForeignKey(
        House, verbose_name=_("house"), on_delete=models.PROTECT, related_name="residents"
    )
    status = models.CharField(
        verbose_name=_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    move_in_date = models.DateField(verbose_name=_("move in date"))
    exit_date = models.DateField(verbose_name=_("exit date"), null=True, blank=True)
    exit_reason = models.TextField(verbose_name=_("exit reason"), blank=True, max_length=1000)
    recovery_start_date = models.DateField(
        verbose_name=_("recovery start date"), null=True, blank=True
    )
    birth_year = models.PositiveSmallIntegerField(
        verbose_name=_("birth year"),
        null=True,
        blank=True,
        help_text=_("Only the year: used for age bands in funder reports."),
    )
    phone = models.CharField(verbose_name=_("phone"), max_length=30, blank=True)
    preferred_mentor_gender = models.CharField(
        verbose_name=_("preferred mentor gender"),
        max_length=12,
        choices=MentorGender.choices,
        blank=True,
        default="",
    )
    languages = models.ManyToManyField(
        Language, verbose_name=_("languages"), blank=True, related_name="residents"
    )
    pathways = models.ManyToManyField(
        RecoveryPathway, verbose_name=_("pathways"), blank=True, related_name="residents"
    )
    # The resident's own pages (feedback and recovery-check links) are in this language; ""
    # follows the browser of whoever opens the link (mentoring_site/i18n.py).
    preferred_language = models.CharField(
        _("language for the resident's own pages"),
        max_length=10,
        blank=True,
        default="",
        choices=[("", _("Same as their phone or browser")), *settings.LANGUAGES],
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set when retention replaced identifying data with placeholders.
    anonymised_at = models.DateTimeField(verbose_name=_("anonymised at"), null=True, blank=True)
    # One-time key from the intake form: a resent form finds this row instead of adding another.
    # Unique per user who admitted (constraint below): another user's replayed key finds nothing.
    intake_key = models.UUIDField(
        verbose_name=_("intake key"), null=True, blank=True, editable=False
    )

    objects = ResidentQuerySet.as_manager()

    class Meta:
        ordering = ["preferred_name", "last_name", "id"]
        indexes = [
            # Resident list filtered by house and status; the waiting queue (active residents).
            models.Index(fields=["house", "status"], name="resident_house_status_idx"),
            # Resident list sorted by move-in date.
            models.Index(fields=["move_in_date"], name="resident_move_in_idx"),
            # Resident list sorted/searched by name.
            models.Index(fields=["preferred_name", "last_name"], name="resident_name_idx"),
            # Reports on exits and the retention task (exited before a cut-off).
            models.Index(fields=["status", "exit_date"], name="resident_status_exit_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(exit_date__isnull=True) | Q(exit_date__gte=models.F("move_in_date")),
                name="resident_exit_after_move_in",
            ),
            # resident_create's "was this form already saved?" lookup (created_by, key) uses it.
            models.UniqueConstraint(
                fields=["created_by", "intake_key"], name="resident_intake_key_per_user"
            ),
        ]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")

    def __str__(self) -> str:
        return self.preferred_name

    def get_status_display(self) -> str:
        return choice_label(self.Status, self.status)

    def get_preferred_mentor_gender_display(self) -> str:
        return choice_label(self.MentorGender, self.preferred_mentor_gender)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        _check_not_ancient(errors, "move_in_date", self.move_in_date)
        _check_not_far_ahead(errors, "move_in_date", self.move_in_date, MAX_DAYS_AHEAD)
        _check_not_ancient(errors, "recovery_start_date", self.recovery_start_date)
        _check_not_far_ahead(errors, "recovery_start_date", self.recovery_start_date, 0)
        _check_not_far_ahead(errors, "exit_date", self.exit_date, 0)
        if self.exit_date and self.move_in_date and self.exit_date < self.move_in_date:
            errors.setdefault(
                "exit_date", gettext("The exit date cannot be before the move-in date.")
            )
        if self.status != self.Status.ACTIVE and not self.exit_date:
            errors.setdefault("exit_date", "A resident who has left needs an exit date.")
        if self.status == self.Status.ACTIVE and self.exit_date:
            errors.setdefault("exit_date", gettext("An active resident has no exit date."))
        if self.birth_year is not None:
            this_year = timezone.localdate().year
            if not 1920 <= self.birth_year <= this_year - 14:
                errors["birth_year"] = gettext("Enter a year between 1920 and %(year)s.") % {
                    "year": this_year - 14
                }
        if errors:
            raise ValidationError(errors)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def days_in_residence(self, today: dt.date | None = None) -> int:
        end = self.exit_date or today or timezone.localdate()
        return max((end - self.move_in_date).days, 0)

    def current_consent(self) -> ConsentRecord | None:
        """The newest consent record (uses prefetched `consents` when present)."""
        records = sorted(self.consents.all(), key=lambda c: (c.granted_on, c.pk), reverse=True)
        return records[0] if records else None


class ConsentRecord(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("consent", "Active")
        EXPIRED = "expired", pgettext_lazy("consent", "Expired")
        REVOKED = "revoked", pgettext_lazy("consent", "Revoked")
        NONE = "none", pgettext_lazy("consent", "None")

    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="consents"
    )
    shares_contact_details = models.BooleanField(_("mentor may see contact details"), default=True)
    shares_goals = models.BooleanField(_("mentor may see recovery goals"), default=True)
    granted_on = models.DateField(verbose_name=_("granted on"))
    expires_on = models.DateField(verbose_name=_("expires on"), null=True, blank=True)
    revoked_on = models.DateField(verbose_name=_("revoked on"), null=True, blank=True)
    note = models.CharField(verbose_name=_("note"), max_length=500, blank=True)
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
        ordering = ["-granted_on", "-id"]
        indexes = [
            models.Index(fields=["resident", "-granted_on"], name="consent_resident_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("granted_on")),
                name="consent_expires_after_granted",
            ),
        ]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")

    def __str__(self) -> str:
        return gettext("Consent from %(date)s") % {"date": self.granted_on}

    def clean(self) -> None:
        errors: dict[str, str] = {}
        _check_not_ancient(errors, "granted_on", self.granted_on)
        _check_not_far_ahead(errors, "granted_on", self.granted_on, MAX_DAYS_AHEAD)
        if self.expires_on and self.granted_on and self.expires_on < self.granted_on:
            errors["expires_on"] = gettext("Consent cannot expire before it was granted.")
        elif (
            self.expires_on
            and self.granted_on
            and self.expires_on > self.granted_on + dt.timedelta(days=5 * 366)
        ):
            errors["expires_on"] = gettext("Consent can last at most five years; renew it after.")
        if self.revoked_on and self.granted_on and self.revoked_on < self.granted_on:
            errors["revoked_on"] = gettext("Consent cannot be revoked before it was granted.")
        _check_not_far_ahead(errors, "revoked_on", self.revoked_on, 0)
        if errors:
            raise ValidationError(errors)

    def state(self, today: dt.date | None = None) -> str:
        today = today or timezone.localdate()
        if self.revoked_on and self.revoked_on <= today:
            return self.State.REVOKED
        if self.expires_on and self.expires_on < today:
            return self.State.EXPIRED
        if self.granted_on > today:
            return self.State.NONE
        return self.State.ACTIVE

    def is_active(self, today: dt.date | None = None) -> bool:
        return self.state(today) == self.State.ACTIVE


class RecoveryGoal(models.Model):
    class Category(models.TextChoices):
        SOBRIETY = "sobriety", _("Sobriety")
        EMPLOYMENT = "employment", _("Employment")
        HOUSING = "housing", _("Housing")
        HEALTH = "health", _("Health")
        RELATIONSHIPS = "relationships", _("Relationships")
        EDUCATION = "education", _("Education")
        LEGAL = "legal", _("Legal")
        OTHER = "other", pgettext_lazy("goal category", "Other")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("goal status", "Open")
        ACHIEVED = "achieved", pgettext_lazy("goal status", "Achieved")
        DROPPED = "dropped", _("Dropped")

    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="goals"
    )
    category = models.CharField(verbose_name=_("category"), max_length=20, choices=Category.choices)
    text = models.CharField(verbose_name=_("text"), max_length=500)
    target_date = models.DateField(verbose_name=_("target date"), null=True, blank=True)
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    closed_on = models.DateField(verbose_name=_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        ordering = ["status", "target_date", "id"]
        indexes = [
            # Goals on the resident page and open goals in the log form.
            models.Index(fields=["resident", "status"], name="goal_resident_status_idx"),
            # Reports: goals achieved in a period.
            models.Index(fields=["status", "closed_on"], name="goal_status_closed_idx"),
        ]
        verbose_name = _("recovery goal")
        verbose_name_plural = _("recovery goals")

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.text[:40]}"

    def get_category_display(self) -> str:
        return choice_label(self.Category, self.category)

    def get_status_display(self) -> str:
        return choice_label(self.Status, self.status)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        _check_not_ancient(errors, "target_date", self.target_date)
        _check_not_far_ahead(errors, "target_date", self.target_date, 10 * 366)
        if self.status == self.Status.OPEN and self.closed_on:
            errors["closed_on"] = gettext("An open goal has no closing date.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class GoalProgress(models.Model):
    """One step in a goal's history: a status change or a progress note, by whom and when.

    The goal's own status stays open / achieved / dropped (reports and the log form rely on
    it); the history speaks the residents' language: not started, in progress, achieved, set
    aside. "Achieved" closes the goal as achieved and "set aside" closes it as dropped
    (`residents.services.goal_progress_record`)."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        ACHIEVED = "achieved", pgettext_lazy("goal progress", "Achieved")
        SET_ASIDE = "set_aside", _("Set aside")

    OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)

    goal = models.ForeignKey(
        RecoveryGoal, verbose_name=_("goal"), on_delete=models.CASCADE, related_name="progress"
    )
    status = models.CharField(verbose_name=_("status"), max_length=12, choices=Status.choices)
    note = models.CharField(verbose_name=_("note"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(verbose_name=_("at"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # A goal's timeline on the resident page.
            models.Index(fields=["goal", "at"], name="goal_progress_goal_at_idx"),
        ]
        verbose_name = _("goal progress")
        verbose_name_plural = _("goal progress")

    def __str__(self) -> str:
        return f"{self.get_status_display()} ({self.at:%Y-%m-%d})"

    def get_status_display(self) -> str:
        return choice_label(self.Status, self.status)
