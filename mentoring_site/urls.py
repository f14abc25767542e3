from django.contrib import admin
from django.urls import include, path

from mentoring_site import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("no-role/", views.no_role, name="no_role"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("residents/", include("residents.urls")),
    path("mentors/", include("mentors.urls")),
    path("matching/", include("matching.urls")),
    path("groups/", include("activity_log.groups.urls")),
    path("", include("activity_log.urls")),
]
