"""Mentor-facing and timeline URLs (contact logging issue)."""

from django.urls import path

from activity_log import views

urlpatterns = [
    path("my/", views.my_mentees, name="my_mentees"),
    # The resident page's timeline slot (htmx partial).
    path(
        "residents/<int:resident_id>/timeline/", views.resident_timeline, name="resident_timeline"
    ),
]
