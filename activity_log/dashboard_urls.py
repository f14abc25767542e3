"""Manager dashboard and reports URLs (dashboard issue)."""

from django.urls import path

from activity_log import dashboard

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
]
