"""Django admin for houses, residents and their records: the program admin's correction tool.

A resident's status and exit are read-only here: leaving goes through the Exit page, whose
service tells the matching app to end the pairing (residents.signals.resident_exited).
"""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from mentoring_site.audit import AuditedAdminMixin
from residents.models import (
    ConsentRecord,
    House,
    Language,
    RecoveryGoal,
    RecoveryPathway,
    Resident,
)


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(RecoveryPathway)
class RecoveryPathwayAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]


@admin.register(House)
class HouseAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "beds", "active_residents"]
    list_filter = ["time_zone"]
    search_fields = ["name", "address"]
    autocomplete_fields = ["managers"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_active=Count("residents", filter=Q(residents__status="active")))
        )

    @admin.display(description=_("Active residents"), ordering="_active")
    def active_residents(self, obj: House) -> int:
        return obj._active


class RecoveryGoalInline(admin.TabularInline):
    model = RecoveryGoal
    extra = 0
    fields = ["category", "text", "target_date", "status", "closed_on"]


class ConsentRecordInline(admin.TabularInline):
    model = ConsentRecord
    extra = 0
    fields = [
        "granted_on",
        "expires_on",
        "revoked_on",
        "shares_contact_details",
        "shares_goals",
        "note",
        "recorded_by",
    ]
    autocomplete_fields = ["recorded_by"]


@admin.register(Resident)
class ResidentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_resident = "pk"
    list_display = [
        "preferred_name",
        "first_name",
        "last_name",
        "house",
        "status",
        "move_in_date",
        "exit_date",
    ]
    list_filter = ["status", "house", "preferred_mentor_gender", "languages", "pathways"]
    search_fields = ["preferred_name", "first_name", "last_name"]
    list_select_related = ["house"]
    autocomplete_fields = ["house", "languages", "pathways", "created_by"]
    readonly_fields = ["status", "exit_date", "exit_reason", "created_at", "updated_at"]
    date_hierarchy = "move_in_date"
    inlines = [RecoveryGoalInline, ConsentRecordInline]
    fieldsets = (
        (None, {"fields": ("preferred_name", "first_name", "last_name", "house")}),
        (_("Dates"), {"fields": ("move_in_date", "recovery_start_date", "birth_year")}),
        (_("Contact"), {"fields": ("phone",)}),
        (_("Matching"), {"fields": ("preferred_mentor_gender", "languages", "pathways")}),
        (_("Exit"), {"fields": ("status", "exit_date", "exit_reason")}),
        (_("Record"), {"fields": ("created_by", "created_at", "updated_at", "anonymised_at")}),
    )


@admin.register(ConsentRecord)
class ConsentRecordAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["resident", "granted_on", "expires_on", "revoked_on", "recorded_by"]
    list_filter = [
        "shares_contact_details",
        "shares_goals",
        ("expires_on", admin.DateFieldListFilter),
    ]
    search_fields = ["resident__preferred_name", "resident__first_name", "resident__last_name"]
    list_select_related = ["resident", "recorded_by"]
    autocomplete_fields = ["resident", "recorded_by"]
    date_hierarchy = "granted_on"


@admin.register(RecoveryGoal)
class RecoveryGoalAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["text", "resident", "category", "status", "target_date", "closed_on"]
    list_filter = ["category", "status", "resident__house"]
    search_fields = ["text", "resident__preferred_name", "resident__last_name"]
    list_select_related = ["resident"]
    autocomplete_fields = ["resident"]
