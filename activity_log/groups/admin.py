"""Admin for group sessions, series and attendance (program admins' corrections)."""

from django.contrib import admin

from activity_log.groups.models import Attendance, GroupSeries, GroupSession
from mentoring_site.audit import AuditedAdminMixin


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    raw_id_fields = ["resident", "mentor"]


@admin.register(GroupSession)
class GroupSessionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    # A session is not one resident's record; its attendance rows are audited on their own.
    audit_resident = "none"
    list_display = ["title", "kind", "house", "starts_at", "status", "attendance_taken_at"]
    list_filter = ["kind", "status", "house", ("attendance_taken_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "place"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["series", "facilitator_mentors", "facilitator_residents", "facilitator_users"]
    readonly_fields = ["attendance_taken_by", "attendance_taken_at", "attendance_key", "created_by"]
    list_select_related = ["house"]
    inlines = [AttendanceInline]


@admin.register(GroupSeries)
class GroupSeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "house", "starts_on", "start_time", "until", "generated_until"]
    list_filter = ["kind", "house"]
    search_fields = ["title", "place"]
    raw_id_fields = ["facilitator_mentors", "facilitator_residents", "facilitator_users"]
    readonly_fields = ["generated_until", "created_by"]
    list_select_related = ["house"]


@admin.register(Attendance)
class AttendanceAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["session", "resident", "mentor"]
    list_filter = ["session__kind", "session__house"]
    search_fields = ["session__title"]
    raw_id_fields = ["session", "resident", "mentor"]
    list_select_related = ["session", "resident", "mentor__user"]
