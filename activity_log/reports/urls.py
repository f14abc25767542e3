"""Manager dashboard and reports URLs (dashboard issue)."""

from django.urls import path

from activity_log.reports import dashboard_views as dashboard
from activity_log.reports import views as report_views

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/health/", dashboard.dashboard_health, name="dashboard_health"),
    path(
        "dashboard/concerns/<int:pk>/acknowledge/",
        dashboard.acknowledge_concern,
        name="concern_acknowledge",
    ),
    path("reports/", report_views.report, name="reports"),
    path("reports/print/", report_views.report_print, name="reports_print"),
    path("reports/report.csv", report_views.report_csv, name="reports_csv"),
    path("reports/funder.csv", report_views.report_funder_csv, name="reports_funder_csv"),
]
