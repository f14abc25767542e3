from django.contrib import admin

from matching import signals
from matching.models import Pairing
from mentoring_site.audit import AuditedAdminMixin


@admin.register(Pairing)
class PairingAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Corrections by program admins. The due date is derived, so it is recomputed on save."""

    list_display = ["id", "resident", "mentor", "status", "started_on", "ended_on", "next_due_at"]
    list_filter = ["status", "end_reason", "pause_reason", "resident__house"]
    list_select_related = ["resident", "mentor__user"]
    raw_id_fields = ["resident", "mentor", "created_by"]
    readonly_fields = ["next_due_at", "overdue_at", "last_contact_at", "created_at"]
    date_hierarchy = "started_on"

    def save_model(self, request, obj, form, change):
        obj.refresh_due()
        super().save_model(request, obj, form, change)
        if change and {"checkin_interval_days", "started_on"} & set(form.changed_data):
            # Contacts' on-time and the report figures follow (activity_log's handler).
            signals.pairing_schedule_changed.send(sender=Pairing, pairing=obj)
