"""Group session URLs, mounted at /groups/ under the "groups" namespace."""

from django.urls import path

from activity_log.groups import views

app_name = "groups"

urlpatterns = [
    path("", views.session_list, name="list"),
    path("new/", views.session_new, name="new"),
    path("today/", views.today, name="today"),
    path("my-circles/", views.my_circles, name="my_circles"),
    path("house/<int:house_id>/", views.house_sessions, name="house"),
    path(
        "residents/<int:resident_id>/attendance/",
        views.resident_attendance,
        name="resident_attendance",
    ),
    path("<int:pk>/", views.session_detail, name="detail"),
    path("<int:pk>/edit/", views.session_edit, name="edit"),
    path("<int:pk>/cancel/", views.session_cancel, name="cancel"),
    path("<int:pk>/attendance/", views.attendance_take, name="attendance"),
    path("<int:pk>/attendance/saved/", views.attendance_saved, name="attendance_saved"),
]
