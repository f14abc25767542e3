from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A staff member or mentor. Signs in with an email address; there are no usernames."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    # Pages, digests and texts in this language; "" follows the browser (mentoring_site/i18n.py).
    preferred_language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        default="",
        choices=[("", _("Same as my browser")), *settings.LANGUAGES],
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def display_first_name(self) -> str:
        return self.first_name or self.email.split("@")[0]


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")

    def forget_ips(self, *, before) -> int:
        """The one change the trail allows: retention blanks the IP of rows older than `before`
        (the ids, action and time stay). Returns how many rows changed."""
        rows = self.filter(at__lt=before, ip__isnull=False)
        return models.QuerySet.update(rows, ip=None)


class AuditEvent(models.Model):
    """Who did what to which resident-related record, and when. Append-only."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        CREATE = "create", _("Created")
        CHANGE = "change", _("Changed")
        DELETE = "delete", _("Deleted")
        EXPORT = "export", _("Exported")
        # Named a resident in an email (a reminder or an alert); path says to whom.
        DISCLOSE = "disclose", _("Disclosed")

    at = models.DateTimeField(verbose_name=_("at"), auto_now_add=True)
    # No index of its own: audit_user_at_idx leads with user_id (searches and PROTECT's check use
    # it), and every page writes a row, so one index less is one insert less per request.
    user = models.ForeignKey(
        "mentoring_site.User",
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,
    )
    action = models.CharField(verbose_name=_("action"), max_length=10, choices=Action.choices)
    object_type = models.CharField(verbose_name=_("object type"), max_length=50)
    object_id = models.CharField(verbose_name=_("object id"), max_length=40, blank=True)
    # A plain integer, not a foreign key: the trail outlives the record and never cascades.
    resident_id = models.BigIntegerField(verbose_name=_("resident id"), null=True, blank=True)
    path = models.CharField(verbose_name=_("path"), max_length=300, blank=True)
    ip = models.GenericIPAddressField(verbose_name=_("ip"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # "Who accessed this record" on the resident page.
            models.Index(fields=["resident_id", "-at"], name="audit_resident_at_idx"),
            # Admin audit search by user and date.
            models.Index(fields=["user", "-at"], name="audit_user_at_idx"),
            models.Index(fields=["-at"], name="audit_at_idx"),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")


class ProcessHeartbeat(models.Model):
    """When a background process last proved it runs; /healthz reads it (mentoring_site/liveness.py).

    In the database, not the cache: every process can read it, and it survives a Redis outage.
    """

    class Process(models.TextChoices):
        WORKER = "worker", _("Celery worker (ran the heartbeat task)")
        BEAT = "beat", _("Celery beat (sent the overdue scan)")

    process = models.CharField(
        verbose_name=_("process"), max_length=20, primary_key=True, choices=Process.choices
    )
    seen_at = models.DateTimeField(verbose_name=_("seen at"))

    class Meta:
        verbose_name = _("process heartbeat")
        verbose_name_plural = _("process heartbeats")

    def __str__(self) -> str:
        return f"{self.process} seen {self.seen_at:%Y-%m-%d %H:%M:%S}"


# --- Text messages (mentoring_site/sms) ----------------------------------------------------------


class TextPreference(models.Model):
    """How one person wants reminders and alerts (email, text or both), and the phone texts go to.

    No text is ever sent before the phone is verified by a 6-digit code (`sms/verification.py`);
    until then, and while the number has replied STOP (`TextOptOut`), "text" falls back to email.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        TEXT = "text", _("Text message")
        BOTH = "both", _("Both")

    user = models.OneToOneField(
        "mentoring_site.User",
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="text_preference",
    )
    channel = models.CharField(
        verbose_name=_("channel"), max_length=5, choices=Channel.choices, default=Channel.EMAIL
    )
    # E.164 (`+15552013344`), validated by mentoring_site.sms.phone.
    phone = models.CharField(verbose_name=_("phone"), max_length=16, blank=True)
    phone_verified_at = models.DateTimeField(
        verbose_name=_("phone verified at"), null=True, blank=True
    )
    # The pending verification code: its HMAC only, when it was sent, until when it works, and
    # how many wrong codes were typed against it.
    code_hash = models.CharField(
        verbose_name=_("code hash"), max_length=64, blank=True, editable=False
    )
    code_sent_at = models.DateTimeField(
        verbose_name=_("code sent at"), null=True, blank=True, editable=False
    )
    code_expires_at = models.DateTimeField(
        verbose_name=_("code expires at"), null=True, blank=True, editable=False
    )
    code_attempts = models.PositiveSmallIntegerField(
        verbose_name=_("code attempts"), default=0, editable=False
    )
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        indexes = [
            # The STOP webhook finds everyone with the number.
            models.Index(fields=["phone"], name="text_pref_phone_idx"),
        ]
        verbose_name = _("text preference")
        verbose_name_plural = _("text preferences")

    def __str__(self) -> str:
        return f"Text preference of user {self.user_id}"

    @property
    def wants_texts(self) -> bool:
        return self.channel in (self.Channel.TEXT, self.Channel.BOTH)

    @property
    def is_verified(self) -> bool:
        return bool(self.phone and self.phone_verified_at)


class TextOptOut(models.Model):
    """A number that replied STOP (or UNSUBSCRIBE, CANCEL...): nothing is texted to it until it
    replies START. Kept by number, so it holds for staff, mentors and residents alike."""

    phone = models.CharField(verbose_name=_("phone"), max_length=16, unique=True)
    stopped_at = models.DateTimeField(verbose_name=_("stopped at"))

    class Meta:
        verbose_name = _("text opt-out")
        verbose_name_plural = _("text opt-outs")

    def __str__(self) -> str:
        return f"Opt-out ...{self.phone[-2:]}"


class PageChange(models.Model):
    """A write that can change what a kept page part shows (mentoring_site/page_cache.py).

    Appended by PostgreSQL triggers (migration activity_log 0016, the app that knows every
    table) in the transaction of the write, whatever wrote. `house_id` is the house whose pages
    changed, 0 for program-wide data (houses, mentors, training, topics, names), and minus a
    mentor's user id for what that mentor's own pages show (their pairings, residents,
    milestones). Rows are merged per key now and then (the sums stay the same).
    """

    house_id = models.BigIntegerField(verbose_name=_("house id"))
    weight = models.BigIntegerField(verbose_name=_("weight"), default=1)

    class Meta:
        indexes = [
            models.Index(fields=["house_id", "weight"], name="pagechange_house_idx"),
        ]
        verbose_name = _("page change")
        verbose_name_plural = _("page changes")

    def __str__(self) -> str:
        return f"key {self.house_id}: {self.weight}"
