"""Feedback requests (one-time links) and the residents' answers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from matching.models import Pairing
from mentoring_site.roles import Role, role_of
from mentors.models import Mentor
from residents.models import Resident

# A score at or below this, or "I would like a different mentor", puts the resident on the
# dashboard's "Needs attention". The SQL twin is `FeedbackResponseQuerySet.worrying()`.
LOW_SCORE = 2
SCORE_FIELDS = ("shows_up", "listens", "helps_goals")


class FeedbackRequest(models.Model):
    """One invitation to answer, for one pairing. The link's token is never stored: only its
    sha256, set when a manager prints or sends the link (`services.feedback_link_issue`)."""

    class Trigger(models.TextChoices):
        FOURTH_CONTACT = "fourth_contact", _("After the fourth contact")
        PAIRING_ENDED = "pairing_ended", _("Pairing ended")
        EVERY_90_DAYS = "every_90_days", _("Every 90 days")
        MANUAL = "manual", _("Asked by a manager")

    pairing = models.ForeignKey(
        Pairing,
        verbose_name=_("pairing"),
        on_delete=models.PROTECT,
        related_name="feedback_requests",
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="feedback_requests",
    )
    trigger = models.CharField(verbose_name=_("trigger"), max_length=16, choices=Trigger.choices)
    # Which 90-day period of the pairing (1, 2, ...); 0 for the other triggers.
    period = models.PositiveSmallIntegerField(verbose_name=_("period"), default=0)
    token_hash = models.CharField(
        verbose_name=_("token hash"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        editable=False,
    )
    issued_at = models.DateTimeField(verbose_name=_("issued at"), null=True, blank=True)
    expires_at = models.DateTimeField(verbose_name=_("expires at"), null=True, blank=True)
    used_at = models.DateTimeField(verbose_name=_("used at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The resident's feedback section: their requests, newest first.
            models.Index(fields=["resident", "-created_at"], name="feedback_req_resident_idx"),
        ]
        constraints = [
            # Each automatic trigger at most once per pairing (and per 90-day period), so a
            # second beat, a retried task or two contacts saved at once create one request.
            models.UniqueConstraint(
                fields=["pairing", "trigger", "period"],
                condition=~Q(trigger="manual"),
                name="feedback_request_once_per_trigger",
            ),
        ]
        verbose_name = _("feedback request")
        verbose_name_plural = _("feedback requests")

    def __str__(self) -> str:
        return gettext("Feedback request #%(id)s") % {"id": self.pk}

    def is_open(self, now=None) -> bool:
        """The link works: issued, not used, not expired."""
        now = now or timezone.now()
        return (
            self.token_hash is not None
            and self.used_at is None
            and self.expires_at is not None
            and self.expires_at > now
        )


class FeedbackResponseQuerySet(models.QuerySet):
    def visible_to(self, user) -> FeedbackResponseQuerySet:
        """Staff only: a mentor never sees individual answers (only their own averages)."""
        role = role_of(user)
        if role == Role.ADMIN:
            return self.all()
        if role == Role.MANAGER:
            return self.filter(resident__house__managers=user)
        return self.none()

    def worrying(self) -> FeedbackResponseQuerySet:
        """Python twin: `FeedbackResponse.is_worrying`."""
        return self.filter(
            Q(shows_up__lte=LOW_SCORE)
            | Q(listens__lte=LOW_SCORE)
            | Q(helps_goals__lte=LOW_SCORE)
            | Q(wants_new_mentor=True)
        )


class FeedbackResponse(models.Model):
    """A resident's answers. No IP, no user: the request says whose pairing it was about."""

    request = models.OneToOneField(
        FeedbackRequest,
        verbose_name=_("request"),
        on_delete=models.PROTECT,
        related_name="response",
    )
    # Copied from the request so averages per mentor and lists per resident need no join.
    pairing = models.ForeignKey(
        Pairing,
        verbose_name=_("pairing"),
        on_delete=models.PROTECT,
        related_name="feedback_responses",
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="feedback_responses",
    )
    mentor = models.ForeignKey(
        Mentor,
        verbose_name=_("mentor"),
        on_delete=models.PROTECT,
        related_name="feedback_responses",
    )
    shows_up = models.PositiveSmallIntegerField(_("Shows up when they say they will"))
    listens = models.PositiveSmallIntegerField(_("Listens"))
    helps_goals = models.PositiveSmallIntegerField(_("Helps with your goals"))
    wants_new_mentor = models.BooleanField(_("Would like a different mentor"))
    comment = models.TextField(verbose_name=_("comment"), blank=True, max_length=1000)
    submitted_at = models.DateTimeField(verbose_name=_("submitted at"), default=timezone.now)

    objects = FeedbackResponseQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            # A mentor's averages (all time and last 90 days).
            models.Index(fields=["mentor", "submitted_at"], name="feedback_resp_mentor_idx"),
            # The resident page's comments, newest first.
            models.Index(fields=["resident", "-submitted_at"], name="feedback_resp_resident_idx"),
            # Dashboard "Needs attention": recent worrying answers.
            models.Index(
                fields=["submitted_at"],
                name="feedback_resp_worrying_idx",
                condition=Q(shows_up__lte=LOW_SCORE)
                | Q(listens__lte=LOW_SCORE)
                | Q(helps_goals__lte=LOW_SCORE)
                | Q(wants_new_mentor=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(shows_up__gte=1, shows_up__lte=5)
                & Q(listens__gte=1, listens__lte=5)
                & Q(helps_goals__gte=1, helps_goals__lte=5),
                name="feedback_scores_1_5",
            ),
        ]
        verbose_name = _("feedback response")
        verbose_name_plural = _("feedback responses")

    def __str__(self) -> str:
        return gettext("Feedback #%(id)s") % {"id": self.pk}

    @property
    def is_worrying(self) -> bool:
        return self.wants_new_mentor or any(
            getattr(self, name) <= LOW_SCORE for name in SCORE_FIELDS
        )


# --- Recovery capital ---------------------------------------------------------------------------


class RecoveryAssessment(models.Model):
    """One recovery-capital check (BARC-10 unless `instrument` says otherwise)."""

    class Source(models.TextChoices):
        MANAGER = "manager", _("House manager")
        MENTOR = "mentor", _("Mentor, during a contact")
        RESIDENT_LINK = "resident_link", _("Resident, by link")

    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="recovery_assessments",
    )
    instrument = models.CharField(verbose_name=_("instrument"), max_length=20, default="barc10")
    # The answers in the instrument's statement order, each a scale score.
    answers = models.JSONField(verbose_name=_("answers"))
    total = models.PositiveSmallIntegerField(verbose_name=_("total"))
    source = models.CharField(verbose_name=_("source"), max_length=16, choices=Source.choices)
    # Null when the resident answered through their link.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    taken_at = models.DateTimeField(verbose_name=_("taken at"), default=timezone.now)

    class Meta:
        ordering = ["-taken_at", "-id"]
        indexes = [
            # The resident's chart and "due for a recovery check" (latest per resident).
            models.Index(fields=["resident", "taken_at"], name="assessment_resident_time_idx"),
        ]
        verbose_name = _("recovery assessment")
        verbose_name_plural = _("recovery assessments")

    def __str__(self) -> str:
        return gettext("Recovery check #%(id)s") % {"id": self.pk}


class AssessmentLink(models.Model):
    """A one-time link for a resident to take the recovery check themselves (same rules as a
    feedback link: only the token's sha256 is stored; single use; FEEDBACK_LINK_DAYS)."""

    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="+"
    )
    token_hash = models.CharField(
        verbose_name=_("token hash"), max_length=64, unique=True, editable=False
    )
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    used_at = models.DateTimeField(verbose_name=_("used at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("assessment link")
        verbose_name_plural = _("assessment links")

    def __str__(self) -> str:
        return gettext("Recovery check link #%(id)s") % {"id": self.pk}
