"""Admin for activity_log. Reminder's admin lives in reminders/admin.py (reminders issue)."""

from django.contrib import admin

from activity_log.contacts import services
from activity_log.feedback import admin as feedback_admin  # noqa: F401 - registers its admins
from activity_log.groups import admin as groups_admin  # noqa: F401 - registers group admins
from activity_log.models import ContactAddendum, ContactLog, Milestone, Topic
from activity_log.reminders import admin as reminders_admin  # noqa: F401 - registers ReminderAdmin
from mentoring_site.audit import AuditedAdminMixin


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    ordering = ["position"]


class ContactAddendumInline(admin.TabularInline):
    model = ContactAddendum
    extra = 0
    fields = ["text", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ContactLog)
class ContactLogAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Corrections go through addenda; the admin shows contacts but does not recompute due dates."""

    audit_resident = "pairing.resident_id"

    list_display = ["id", "pairing", "happened_at", "method", "duration_minutes", "concern_level"]
    list_filter = ["method", "concern_level"]
    date_hierarchy = "happened_at"
    raw_id_fields = ["pairing", "created_by", "acknowledged_by", "goals_discussed"]
    list_select_related = ["pairing"]
    readonly_fields = ["idempotency_key", "created_by", "created_at", "updated_at"]
    inlines = [ContactAddendumInline]

    def has_add_permission(self, request) -> bool:
        # New contacts come through the log form, which keeps the pairing's due date in step.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # A correction here moves due times and report figures too: the check-in rule and the
        # roll-up follow (topics included, which are saved with the related objects), for the
        # old pairing as well if it moved.
        pairings = {form.instance.pairing_id, form.initial.get("pairing")} - {None}
        services.pairings_recompute_due(pairings)


@admin.register(ContactAddendum)
class ContactAddendumAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_resident = "contact.pairing.resident_id"
    list_display = ["id", "contact", "created_by", "created_at"]
    raw_id_fields = ["contact", "created_by"]


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["mentor", "hours", "reached_at", "celebrated_at"]
    list_filter = ["hours"]
    raw_id_fields = ["mentor"]
