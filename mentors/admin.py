"""Django admin for program admins: the course catalogue, mentors and their training ledger."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mentors.models import (
    Mentor,
    MentorProfileChange,
    MentorStatusChange,
    TrainingCourse,
    TrainingRecord,
)


@admin.register(TrainingCourse)
class TrainingCourseAdmin(admin.ModelAdmin):
    list_display = ["name", "required", "hours", "valid_months", "is_active"]
    list_filter = ["required", "is_active"]
    search_fields = ["name"]


class TrainingRecordInline(admin.TabularInline):
    model = TrainingRecord
    extra = 0
    fields = ["course", "completed_on", "expires_on", "hours", "recorded_by"]
    readonly_fields = ["expires_on", "recorded_by"]
    autocomplete_fields = ["course"]


class StatusChangeInline(admin.TabularInline):
    model = MentorStatusChange
    extra = 0
    fields = ["changed_at", "from_status", "to_status", "reason", "changed_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        # Status changes go through the mentor page, which records the reason and tells matching.
        return False


class ProfileChangeInline(admin.TabularInline):
    model = MentorProfileChange
    extra = 0
    fields = ["changed_at", "field", "old_value", "new_value", "changed_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Mentor)
class MentorAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "email",
        "status",
        "cleared",
        "recovery_since",
        "capacity",
        "serves_all_houses",
    ]
    list_filter = ["status", "serves_all_houses", "houses", "languages", "pathways"]
    search_fields = ["user__first_name", "user__last_name", "user__email"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["languages", "pathways", "houses"]
    # Status is changed on the mentor page (reason recorded, matching notified), not here.
    readonly_fields = ["status", "status_changed_on", "created_at"]
    # So are, once the mentor exists, the fields clearance and matching depend on: the page
    # keeps each change in the mentor's history with who and when.
    history_fields = ["recovery_since", "houses", "serves_all_houses", "capacity"]
    inlines = [TrainingRecordInline, StatusChangeInline, ProfileChangeInline]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, *(self.history_fields if obj else [])]

    def get_queryset(self, request):
        return super().get_queryset(request).with_clearance(timezone.localdate())

    @admin.display(description=_("email"), ordering="user__email")
    def email(self, obj: Mentor) -> str:
        return obj.user.email

    @admin.display(description=_("cleared"), boolean=True, ordering="is_cleared_db")
    def cleared(self, obj: Mentor) -> bool:
        return bool(obj.is_cleared_db)

    def save_formset(self, request, form, formset, change):
        # Training added here gets its expiry from the course, like the pages do.
        for record in formset.save(commit=False):
            if isinstance(record, TrainingRecord):
                record.expires_on = record.course.expiry_for(record.completed_on)
                if record.recorded_by_id is None:
                    record.recorded_by = request.user
            record.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(TrainingRecord)
class TrainingRecordAdmin(admin.ModelAdmin):
    list_display = ["mentor", "course", "completed_on", "expires_on", "hours", "recorded_by"]
    list_filter = ["course", "completed_on", "expires_on"]
    search_fields = ["mentor__user__first_name", "mentor__user__last_name", "mentor__user__email"]
    list_select_related = ["mentor__user", "course", "recorded_by"]
    autocomplete_fields = ["mentor", "course"]
    readonly_fields = ["expires_on", "recorded_by", "recorded_at"]
    date_hierarchy = "completed_on"

    def save_model(self, request, obj, form, change):
        obj.expires_on = obj.course.expiry_for(obj.completed_on)
        if obj.recorded_by_id is None:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(MentorStatusChange)
class MentorStatusChangeAdmin(admin.ModelAdmin):
    list_display = ["mentor", "from_status", "to_status", "changed_at", "changed_by"]
    list_filter = ["to_status", "changed_at"]
    search_fields = ["mentor__user__first_name", "mentor__user__last_name", "reason"]
    list_select_related = ["mentor__user", "changed_by"]
    readonly_fields = ["mentor", "from_status", "to_status", "reason", "changed_by", "changed_at"]

    def has_add_permission(self, request) -> bool:
        return False
