"""Reminder outbox admin: what was sent, what waits, what failed, and a resend for failures."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from activity_log.models import Reminder
from activity_log.reminders.send import enqueue_send
from residents.models import House


class ReminderStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("waiting", _("Waiting to send")),
            ("failing", _("Failing (retrying or given up)")),
            ("sent", _("Sent")),
            ("failed", _("Failed")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.filter(sent_at__isnull=True, failed_at__isnull=True)
        if self.value() == "failing":
            # As the dashboard's "reminders failing for House X" counts them.
            return queryset.filter(sent_at__isnull=True).filter(
                Q(failed_at__isnull=True, attempts__gt=0) | Q(failed_at__isnull=False)
            )
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        if self.value() == "failed":
            return queryset.filter(failed_at__isnull=False)
        return queryset


class ReminderHouseFilter(admin.SimpleListFilter):
    """The resident's house (pairing or urgent-concern contact); the dashboard links here."""

    title = _("house")
    parameter_name = "house"

    def lookups(self, request, model_admin):
        return [(str(pk), name) for pk, name in House.objects.values_list("pk", "name")]

    def queryset(self, request, queryset):
        if not (self.value() or "").isdigit():
            return queryset
        house_id = int(self.value())
        return queryset.filter(
            Q(pairing__resident__house_id=house_id)
            | Q(contact__pairing__resident__house_id=house_id)
            | Q(resident__house_id=house_id)
            | Q(group_session__house_id=house_id)
        )


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "channel",
        "subject_key",
        "recipient",
        "due_at",
        "send_after",
        "state",
        "attempts",
        "last_error",
    ]
    list_filter = ["kind", "channel", ReminderStateFilter, ReminderHouseFilter]
    list_select_related = ["recipient"]
    search_fields = ["subject_key", "recipient__email"]
    date_hierarchy = "created_at"
    actions = ["resend_failed"]
    readonly_fields = [
        "kind",
        "channel",
        "pairing",
        "training_record",
        "contact",
        "resident",
        "feedback_request",
        "group_session",
        "subject_key",
        "due_at",
        "recipient",
        "created_at",
        "send_after",
        "claimed_until",
        "sent_at",
        "attempts",
        "last_error",
        "failed_at",
    ]

    @admin.display(description=_("state"))
    def state(self, obj: Reminder) -> str:
        if obj.sent_at:
            return gettext("sent")
        if obj.failed_at:
            return gettext("failed")
        return gettext("waiting")

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Resend the selected failed reminders"))
    def resend_failed(self, request, queryset) -> None:
        # Only failed, never sent rows; they go back in the queue with a fresh day of retries.
        count = queryset.filter(failed_at__isnull=False, sent_at__isnull=True).update(
            failed_at=None, attempts=0, claimed_until=None, send_after=timezone.now()
        )
        if count:
            transaction.on_commit(enqueue_send)
            text = ngettext(
                "%(count)s reminder will be sent again.",
                "%(count)s reminders will be sent again.",
                count,
            )
            self.message_user(request, text % {"count": count}, messages.SUCCESS)
        else:
            self.message_user(
                request, gettext("None of the selected reminders had failed."), messages.WARNING
            )
