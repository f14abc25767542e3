"""Privacy: audit trail pages and retention (privacy issue)."""

from django.urls import path

from activity_log import privacy_views

urlpatterns = [
    # The resident page's "who accessed this record" slot (htmx partial).
    path(
        "residents/<int:resident_id>/access/",
        privacy_views.resident_access,
        name="resident_access",
    ),
]
