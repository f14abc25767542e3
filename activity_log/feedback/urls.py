"""Feedback URLs (included by activity_log/urls.py, so names are `activity_log:feedback_*`)."""

from django.urls import path

from activity_log.feedback import text_views, views

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
        "pairings/<int:pairing_id>/feedback/ask/",
        views.feedback_request_for_pairing,
        name="feedback_request_for_pairing",
    ),
    path(
        "feedback/requests/<int:request_id>/slip/",
        views.feedback_request_slip,
        name="feedback_request_slip",
    ),
    # Texting the resident their link instead (activity_log/feedback/texts.py).
    path(
        "residents/<int:resident_id>/feedback/ask/text/",
        text_views.feedback_request_new_text,
        name="feedback_request_new_text",
    ),
    path(
        "feedback/requests/<int:request_id>/text/",
        text_views.feedback_request_text,
        name="feedback_request_text",
    ),
    path(
        "residents/<int:resident_id>/recovery/link/text/",
        text_views.recovery_link_text,
        name="recovery_link_text",
    ),
    path("feedback/<int:response_id>/", views.response_detail, name="feedback_response"),
    path("mentors/<int:mentor_id>/feedback/", views.mentor_feedback, name="feedback_mentor"),
    path("my/progress/feedback/", views.my_feedback, name="feedback_mine"),
    path("reports/outcomes/", views.outcomes_report, name="outcomes_report"),
    # Recovery capital.
    path("recovery/due/", views.recovery_due, name="recovery_due"),
    path("f/r/<str:token>/", views.assessment_by_link, name="assessment_by_link"),
    path(
        "residents/<int:resident_id>/recovery/",
        views.resident_recovery,
        name="recovery_resident",
    ),
    path(
        "residents/<int:resident_id>/recovery/new/",
        views.assessment_new,
        name="assessment_new",
    ),
    path(
        "residents/<int:resident_id>/recovery/link/",
        views.assessment_link_new,
        name="assessment_link_new",
    ),
    path(
        "my/pairings/<int:pairing_id>/recovery-check/",
        views.assessment_new_by_mentor,
        name="assessment_new_by_mentor",
    ),
]
