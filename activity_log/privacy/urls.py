"""Privacy: audit trail pages and retention (docs/privacy.md)."""

from django.urls import path

from activity_log.privacy import views as privacy_views

urlpatterns = [
    # The resident page's "who accessed this record" slot (htmx partial).
    path(
        "residents/<int:resident_id>/access/",
        privacy_views.resident_access,
        name="resident_access",
    ),
    path("privacy/audit/", privacy_views.audit_search, name="audit_search"),
    path("privacy/audit/export/", privacy_views.audit_export, name="audit_export"),
    path("privacy/retention/", privacy_views.retention_due, name="retention_due"),
    path(
        "privacy/retention/<int:resident_id>/anonymise/",
        privacy_views.retention_run,
        name="retention_run",
    ),
]
