"""Mentor-facing and timeline URLs (contact logging issue)."""

from django.urls import path

from activity_log.contacts import views

urlpatterns = [
    path("my/", views.my_mentees, name="my_mentees"),
    path("my/progress/", views.my_progress, name="my_progress"),
    path("my/progress/certificate/", views.my_certificate, name="my_certificate"),
    path("my/pairings/<int:pairing_id>/log/", views.contact_new, name="contact_new"),
    path("pairings/<int:pairing_id>/contacts/", views.pairing_history, name="pairing_history"),
    path("contacts/<int:contact_id>/saved/", views.contact_saved, name="contact_saved"),
    path("contacts/<int:contact_id>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:contact_id>/remove/", views.contact_remove, name="contact_remove"),
    path("contacts/<int:contact_id>/follow-up/done/", views.follow_up_done, name="follow_up_done"),
    path("contacts/<int:contact_id>/addendum/", views.contact_addendum, name="contact_addendum"),
    # The resident page's timeline slot (htmx partial).
    path(
        "residents/<int:resident_id>/timeline/", views.resident_timeline, name="resident_timeline"
    ),
]
