"""Admin for feedback (registered through activity_log/admin.py). Read-only: answers are the
resident's words, and a token can only be issued by printing a slip."""

from django.contrib import admin

from activity_log.feedback.models import FeedbackRequest, FeedbackResponse, RecoveryAssessment
from mentoring_site.audit import AuditedAdminMixin


class _ReadOnly:
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FeedbackRequest)
class FeedbackRequestAdmin(_ReadOnly, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["id", "resident", "pairing", "trigger", "period", "created_at", "used_at"]
    list_filter = ["trigger", ("used_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["=id", "=resident__id", "=pairing__id", "pairing__mentor__user__email"]
    list_select_related = ["resident", "pairing"]
    exclude = ["token_hash"]


@admin.register(FeedbackResponse)
class FeedbackResponseAdmin(_ReadOnly, AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "resident",
        "mentor",
        "shows_up",
        "listens",
        "helps_goals",
        "wants_new_mentor",
        "submitted_at",
    ]
    list_filter = [
        "wants_new_mentor",
        "shows_up",
        "listens",
        "helps_goals",
        "resident__house",
        "submitted_at",
    ]
    search_fields = ["=id", "=resident__id", "mentor__user__email", "comment"]
    date_hierarchy = "submitted_at"
    list_select_related = ["resident", "mentor__user"]


@admin.register(RecoveryAssessment)
class RecoveryAssessmentAdmin(_ReadOnly, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["id", "resident", "instrument", "total", "source", "taken_at"]
    list_filter = ["source", "instrument", "resident__house", "taken_at"]
    search_fields = ["=id", "=resident__id"]
    date_hierarchy = "taken_at"
    list_select_related = ["resident"]
    raw_id_fields = ["resident", "entered_by"]
