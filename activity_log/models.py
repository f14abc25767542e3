from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from activity_log.feedback.models import (  # noqa: F401
    AssessmentLink,
    FeedbackRequest,
    FeedbackResponse,
    RecoveryAssessment,
)
from matching.models import Pairing
from mentoring_site.roles import Role, role_of
from mentors.models import Mentor, TrainingRecord
from residents.models import House, RecoveryGoal


class Topic(models.Model):
    """What a contact was about (seeded: goal setting, coping strategies, ...)."""

    slug = models.SlugField(verbose_name=_("slug"), max_length=40, unique=True)
    name = models.CharField(verbose_name=_("name"), max_length=80)
    position = models.PositiveSmallIntegerField(verbose_name=_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return gettext(self.name)  # seeded names: mentoring_site/lookup_names.py


class ContactLogQuerySet(models.QuerySet):
    def visible_to(self, user) -> ContactLogQuerySet:
        role = role_of(user)
        if role == Role.ADMIN:
            return self.all()
        if role == Role.MANAGER:
            return self.filter(pairing__resident__house__managers=user)
        if role == Role.MENTOR:
            # Own logs only: what they wrote on their own pairings, current or past.
            return self.filter(pairing__mentor__user=user, created_by=user)
        return self.none()

    def changeable_by(self, user) -> ContactLogQuerySet:
        """Contacts the user may edit, remove or add an addendum to (the 24-hour edit window
        is checked apart). A mentor's contacts turn read-only when the relationship ends: the
        pairing ended, or the mentor went on break or retired (`Pairing.objects.current()`)."""
        qs = self.visible_to(user)
        if role_of(user) == Role.MENTOR:
            return qs.filter(pairing__in=Pairing.objects.current())
        return qs


class ContactLog(models.Model):
    class Method(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("Phone")
        VIDEO = "video", _("Video")
        TEXT = "text", pgettext_lazy("contact method", "Text")
        NO_ANSWER = "no_answer", _("Tried, no answer")

    class Concern(models.TextChoices):
        NONE = "none", pgettext_lazy("concern", "None")
        WATCH = "watch", pgettext_lazy("concern", "Watch")
        URGENT = "urgent", pgettext_lazy("concern", "Urgent")

    pairing = models.ForeignKey(
        Pairing, verbose_name=_("pairing"), on_delete=models.PROTECT, related_name="contacts"
    )
    happened_at = models.DateTimeField(verbose_name=_("happened at"))
    method = models.CharField(
        verbose_name=_("method"), max_length=10, choices=Method.choices, default=Method.IN_PERSON
    )
    duration_minutes = models.PositiveSmallIntegerField(
        verbose_name=_("duration minutes"), default=30
    )
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics"), blank=True, related_name="contacts"
    )
    goals_discussed = models.ManyToManyField(
        RecoveryGoal, verbose_name=_("goals discussed"), blank=True, related_name="contacts"
    )
    wellbeing = models.PositiveSmallIntegerField(verbose_name=_("wellbeing"), null=True, blank=True)
    notes = models.TextField(verbose_name=_("notes"), blank=True, max_length=5000)
    follow_up = models.CharField(verbose_name=_("follow up"), max_length=500, blank=True)
    follow_up_on = models.DateField(verbose_name=_("follow up on"), null=True, blank=True)
    # Ticked "done" on My mentees (one tap); the follow-up then leaves the list and the digest.
    follow_up_done_at = models.DateTimeField(
        verbose_name=_("follow up done at"), null=True, blank=True
    )
    concern_level = models.CharField(
        verbose_name=_("concern level"), max_length=6, choices=Concern.choices, default=Concern.NONE
    )
    concern_note = models.CharField(verbose_name=_("concern note"), max_length=280, blank=True)
    acknowledged_at = models.DateTimeField(verbose_name=_("acknowledged at"), null=True, blank=True)
    # Derived by the check-in rule (matching/checkins.py), written only by
    # services.pairing_recompute_due: happened before its due in force became overdue.
    # None for "no answer", which is never judged.
    on_time = models.BooleanField(verbose_name=_("on time"), null=True, blank=True, editable=False)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledgement_note = models.CharField(
        verbose_name=_("acknowledgement note"), max_length=500, blank=True
    )
    # One key per rendered form: a double tap or a resent POST saves one contact. Unique per
    # author (constraint below), so a key someone else replays never finds this contact.
    idempotency_key = models.UUIDField(
        verbose_name=_("idempotency key"), null=True, blank=True, default=None
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    objects = ContactLogQuerySet.as_manager()

    class Meta:
        ordering = ["-happened_at", "-id"]
        indexes = [
            # Timelines per pairing, newest first; last real contact for due-date recompute.
            models.Index(fields=["pairing", "-happened_at"], name="contact_pairing_time_idx"),
            # Reports and dashboard charts by period.
            models.Index(fields=["happened_at"], name="contact_happened_idx"),
            # Reports: urgent concerns raised in a period (the other contact figures come from
            # the roll-up, activity_log/reports/rollup.py).
            models.Index(
                fields=["happened_at"],
                name="contact_urgent_happened_idx",
                condition=Q(concern_level="urgent"),
            ),
            # Dashboard "needs attention": urgent concerns nobody has acknowledged yet.
            models.Index(
                fields=["created_at"],
                name="contact_urgent_open_idx",
                condition=Q(concern_level="urgent", acknowledged_at__isnull=True),
            ),
            # My mentees and the follow-up scan: follow-ups not done yet, by date.
            models.Index(
                fields=["follow_up_on"],
                name="contact_follow_up_open_idx",
                condition=Q(follow_up_on__isnull=False, follow_up_done_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(wellbeing__isnull=True) | Q(wellbeing__gte=1, wellbeing__lte=5),
                name="contact_wellbeing_1_5",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__lte=600), name="contact_duration_max_600"
            ),
            # contact_log's "was this form already saved?" lookup (author, key) uses it too.
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"], name="contact_idempotency_key_per_author"
            ),
        ]
        verbose_name = _("contact log")
        verbose_name_plural = _("contact logs")

    def __str__(self) -> str:
        return gettext("Contact #%(id)s") % {"id": self.pk}

    @property
    def counts_as_contact(self) -> bool:
        """A missed attempt is recorded but does not reset the due date."""
        return self.method != self.Method.NO_ANSWER


class ContactAddendum(models.Model):
    """A correction or addition appended to a contact after it locked."""

    contact = models.ForeignKey(
        ContactLog, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="addenda"
    )
    text = models.TextField(verbose_name=_("text"), max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("contact addendum")
        verbose_name_plural = _("contact addendums")

    def __str__(self) -> str:
        return gettext("Addendum #%(id)s to contact #%(contact)s") % {
            "id": self.pk,
            "contact": self.contact_id,
        }


class Milestone(models.Model):
    """Volunteer-hour milestones, recorded once when crossed and celebrated once."""

    HOURS = (10, 25, 50, 100, 250, 500)

    mentor = models.ForeignKey(
        Mentor, verbose_name=_("mentor"), on_delete=models.CASCADE, related_name="milestones"
    )
    hours = models.PositiveSmallIntegerField(verbose_name=_("hours"))
    reached_at = models.DateTimeField(verbose_name=_("reached at"), auto_now_add=True)
    celebrated_at = models.DateTimeField(verbose_name=_("celebrated at"), null=True, blank=True)

    class Meta:
        ordering = ["hours"]
        constraints = [
            models.UniqueConstraint(fields=["mentor", "hours"], name="milestone_once_per_mentor"),
        ]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return ngettext("%(hours)s hour", "%(hours)s hours", self.hours) % {"hours": self.hours}


# --- The reminder outbox ---------------------------------------------------------------------

# A failed send is retried 1, 2, 4, 8 ... minutes later, at most this far apart.
MAX_BACKOFF = dt.timedelta(hours=2)


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 ... minutes after the n-th failure, at most two hours."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


class ReminderQuerySet(models.QuerySet):
    """The outbox's states and the sender's compare-and-set writes (docs/reminders.md).

    A row is *unsent* until sent or given up, *free* when no live claim holds it, and *ready*
    when unsent, free and past send_after. A sender claims ready rows with one UPDATE that sets
    claimed_until (the lease) and its claim_token; every later write goes through `held()`, so a
    sender whose lease ran out changes nothing.
    """

    def unsent(self) -> ReminderQuerySet:
        """Not sent and not given up (reminder_unsent_idx)."""
        return self.filter(sent_at__isnull=True, failed_at__isnull=True)

    def free(self, now: dt.datetime) -> ReminderQuerySet:
        """Not held by a claim whose lease still runs."""
        return self.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))

    def ready(self, now: dt.datetime) -> ReminderQuerySet:
        """Ready to go and not being sent right now."""
        return self.unsent().filter(send_after__lte=now).free(now)

    def claim(
        self, ids: list[int], *, now: dt.datetime, lease: dt.timedelta, token: uuid.UUID
    ) -> list[int]:
        """Compare-and-set on the whole batch; returns only the rows of `ids` this token won.

        The UPDATE re-checks `sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < now)`
        row by row, so a row another sender claimed meanwhile is skipped.
        """
        self.filter(id__in=ids).unsent().free(now).update(
            claimed_until=now + lease, claim_token=token
        )
        return list(
            self.filter(id__in=ids, claim_token=token).order_by().values_list("id", flat=True)
        )

    def held(self, ids, token: uuid.UUID) -> ReminderQuerySet:
        """Rows of `ids` the claim `token` still holds (and not sent)."""
        return self.filter(id__in=ids, claim_token=token, sent_at__isnull=True)

    def release(self, ids, token: uuid.UUID) -> int:
        """Gives held rows back unsent, for the next run."""
        return self.held(ids, token).update(claimed_until=None, claim_token=None)

    def mark_sent(self, ids, token: uuid.UUID, now: dt.datetime) -> int:
        """Sets sent_at on the rows still held (compare-and-set on the token); the count marked."""
        return self.held(ids, token).update(
            sent_at=now, claimed_until=None, attempts=F("attempts") + 1
        )

    def mark_failed(
        self, reminders, *, error: str, now: dt.datetime, token: uuid.UUID | None = None
    ) -> tuple[int, int]:
        """Records one failed try per row: retried after `backoff`, or given up once
        REMINDER_GIVE_UP has passed since the row could first have gone (send_after, not when
        it was written). With `token`, only rows that claim still holds. Returns (failed,
        gave_up)."""
        failed = gave_up = 0
        for reminder in reminders:
            attempts = reminder.attempts + 1
            if now - reminder.send_after >= settings.REMINDER_GIVE_UP:
                changes = {"failed_at": now, "claimed_until": None}
                gave_up += 1
            else:
                changes = {"claimed_until": now + backoff(attempts)}
                failed += 1
            rows = self.filter(id=reminder.id)
            if token is not None:
                rows = rows.filter(claim_token=token)
            rows.update(attempts=attempts, last_error=error, **changes)
        return failed, gave_up


class Reminder(models.Model):
    """The outbox: one row per message owed to one person about one due time."""

    class Kind(models.TextChoices):
        MENTOR_OVERDUE = "mentor_overdue", _("Mentor reminder")
        MANAGER_ESCALATION = "manager_escalation", _("Manager escalation")
        URGENT_CONCERN = "urgent_concern", _("Urgent concern")
        TRAINING_EXPIRING = "training_expiring", _("Training expiring")
        # The rest are notices, in the digest like the above (quiet hours, once each).
        FOLLOW_UP = "follow_up", _("Follow-up due")
        NEW_MENTEE = "new_mentee", _("New mentee")
        MENTOR_AWAY = "mentor_away", _("Mentor away")
        ATTENDANCE_NOT_TAKEN = "attendance_missing", _("Attendance not taken")
        # A one-time link texted to a resident (recipient: the staff member who asked).
        FEEDBACK_LINK = "feedback_link", _("Feedback link to a resident")
        RECOVERY_LINK = "recovery_link", _("Recovery-check link to a resident")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")

    kind = models.CharField(verbose_name=_("kind"), max_length=20, choices=Kind.choices)
    # One row per delivery: a person who chose "both" has an email row and a text row for the
    # same reminder, each claimed, sent and retried on its own.
    channel = models.CharField(
        verbose_name=_("channel"), max_length=5, choices=Channel.choices, default=Channel.EMAIL
    )
    pairing = models.ForeignKey(
        Pairing,
        verbose_name=_("pairing"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    training_record = models.ForeignKey(
        TrainingRecord,
        verbose_name=_("training record"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    contact = models.ForeignKey(
        ContactLog,
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    group_session = models.ForeignKey(
        "activity_log.GroupSession",
        verbose_name=_("group session"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    # Links texted to a resident: the resident (not a user account) is who it goes to.
    resident = models.ForeignKey(
        "residents.Resident",
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    feedback_request = models.ForeignKey(
        "activity_log.FeedbackRequest",
        verbose_name=_("feedback request"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="texts",
    )
    # "pairing:12", "training:5", "contact:9", "session:4", "feedback:3", "recovery:7": one
    # non-null key so uniqueness holds.
    subject_key = models.CharField(verbose_name=_("subject key"), max_length=40)
    due_at = models.DateTimeField(
        verbose_name=_("due at"), help_text="The due time this reminder is about."
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    send_after = models.DateTimeField(
        verbose_name=_("send after"), help_text="Not before this time (quiet hours)."
    )
    claimed_until = models.DateTimeField(verbose_name=_("claimed until"), null=True, blank=True)
    # Set with claimed_until by the sender's compare-and-set UPDATE, so it can re-select exactly
    # the rows it won in one query (activity_log/reminders/).
    claim_token = models.UUIDField(
        verbose_name=_("claim token"), null=True, blank=True, editable=False
    )
    sent_at = models.DateTimeField(verbose_name=_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(verbose_name=_("attempts"), default=0)
    last_error = models.CharField(verbose_name=_("last error"), max_length=500, blank=True)
    failed_at = models.DateTimeField(
        verbose_name=_("failed at"),
        null=True,
        blank=True,
        help_text="Gave up after repeated failures.",
    )

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The send task: unsent, not given up, ready to go.
            models.Index(
                fields=["send_after"],
                name="reminder_unsent_idx",
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
            ),
            # Dashboard: reminders that failed to send.
            models.Index(
                fields=["failed_at"],
                name="reminder_failed_idx",
                condition=Q(failed_at__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_key", "due_at", "recipient", "channel"],
                name="reminder_once_per_subject_due_recipient_channel",
            ),
            # A link to a resident goes once, whichever manager asks for it.
            models.UniqueConstraint(
                fields=["kind", "subject_key", "due_at", "channel"],
                condition=Q(resident__isnull=False),
                name="reminder_resident_link_once",
            ),
        ]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.subject_key}"


def new_idempotency_key() -> uuid.UUID:
    return uuid.uuid4()


# --- Reports roll-up (activity_log/reports/rollup.py keeps these in step with contacts) ----------------


class PairingDay(models.Model):
    """What one pairing's contacts added to the roll-up on one program-time day.

    `figures` is {"m": {method: [contacts, minutes, on_time]}, "t": {topic_id: contacts}}.
    A refresh of the pairing compares these rows with its contacts to find the changed days.
    """

    pairing = models.ForeignKey(
        Pairing, verbose_name=_("pairing"), on_delete=models.CASCADE, related_name="+"
    )
    house = models.ForeignKey(
        House, verbose_name=_("house"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(verbose_name=_("day"))
    figures = models.JSONField(verbose_name=_("figures"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pairing", "day"], name="pairingday_once"),
        ]
        indexes = [
            # Summing one house's changed days into ContactDay and TopicDay.
            models.Index(fields=["house", "day"], name="pairingday_house_day_idx"),
        ]
        verbose_name = _("pairing day")
        verbose_name_plural = _("pairing days")

    def __str__(self) -> str:
        return f"Pairing #{self.pairing_id} on {self.day}"


class ContactDay(models.Model):
    """Contacts of one house on one program-time day by one method (the reports' figures)."""

    house = models.ForeignKey(
        House, verbose_name=_("house"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(verbose_name=_("day"))
    method = models.CharField(
        verbose_name=_("method"), max_length=10, choices=ContactLog.Method.choices
    )
    contacts = models.PositiveIntegerField(verbose_name=_("contacts"), default=0)
    minutes = models.PositiveIntegerField(verbose_name=_("minutes"), default=0)
    # Real contacts (not "no answer") made on time by the check-in rule (ContactLog.on_time).
    on_time = models.PositiveIntegerField(verbose_name=_("on time"), default=0)

    class Meta:
        constraints = [
            # Also the index of reports narrowed to houses: (house, day) ranges.
            models.UniqueConstraint(fields=["house", "day", "method"], name="contactday_once"),
        ]
        indexes = [
            # Reports over every house: a range of days.
            models.Index(fields=["day"], name="contactday_day_idx"),
        ]
        verbose_name = _("contact day")
        verbose_name_plural = _("contact days")

    def __str__(self) -> str:
        return f"{self.day} {self.method}: {self.contacts}"


class TopicDay(models.Model):
    """Contacts of one house on one program-time day that covered one topic."""

    house = models.ForeignKey(
        House, verbose_name=_("house"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(verbose_name=_("day"))
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="+"
    )
    contacts = models.PositiveIntegerField(verbose_name=_("contacts"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["house", "day", "topic"], name="topicday_once"),
        ]
        indexes = [
            models.Index(fields=["day"], name="topicday_day_idx"),
        ]
        verbose_name = _("topic day")
        verbose_name_plural = _("topic days")

    def __str__(self) -> str:
        return f"{self.day} topic #{self.topic_id}: {self.contacts}"


class ReportChange(models.Model):
    """A write that can change the reports page's figures (activity_log/reports/figures_cache.py).

    Appended by PostgreSQL triggers (migration 0013), whatever wrote: the app, `QuerySet.update()`,
    the Django admin, a database shell. `house_id` is the house whose figures changed, 0 for
    program-wide data (group sessions, training, mentors, topics, house managers). A cached
    report is keyed by the sum of `weight` over its houses and 0: every committed write makes that
    sum larger. Rows are merged per house now and then (the sums stay the same).
    """

    house_id = models.BigIntegerField(verbose_name=_("house id"))
    weight = models.BigIntegerField(verbose_name=_("weight"), default=1)

    class Meta:
        indexes = [
            models.Index(fields=["house_id", "weight"], name="reportchange_house_idx"),
        ]
        verbose_name = _("report change")
        verbose_name_plural = _("report changes")

    def __str__(self) -> str:
        return f"house {self.house_id}: {self.weight}"


from activity_log.groups.models import (  # noqa: E402, F401
    Attendance,
    AttendanceSubmission,
    GroupSeries,
    GroupSession,
)
