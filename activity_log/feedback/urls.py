"""Feedback URLs (included by activity_log/urls.py, so names are `activity_log:feedback_*`)."""

from django.urls import path

from activity_log.feedback import views

urlpatterns = [
    # The resident's link: the token is the only thing in the URL.
    path("f/<str:token>/", views.feedback_form, name="feedback_form"),
    path(
        "residents/<int:resident_id>/feedback/",
        views.resident_feedback,
        name="feedback_resident",
    ),
    path(
        "residents/<int:resident_id>/feedback/ask/",
        views.feedback_request_new,
        name="feedback_request_new",
    ),
    path(
        "feedback/requests/<int:request_id>/slip/",
        views.feedback_request_slip,
        name="feedback_request_slip",
    ),
    path("feedback/<int:response_id>/", views.response_detail, name="feedback_response"),
    path("mentors/<int:mentor_id>/feedback/", views.mentor_feedback, name="feedback_mentor"),
    path("my/progress/feedback/", views.my_feedback, name="feedback_mine"),
]
