from django.urls import path

from residents import views

app_name = "residents"

urlpatterns = [
    path("", views.resident_list, name="list"),
    path("new/", views.resident_create, name="create"),
    path("<int:pk>/", views.resident_detail, name="detail"),
    path("<int:pk>/edit/", views.resident_edit, name="edit"),
    path("<int:pk>/exit/", views.resident_exit, name="exit"),
    path("<int:pk>/consent/new/", views.consent_create, name="consent_create"),
    path(
        "<int:pk>/consent/<int:consent_pk>/revoke/",
        views.consent_revoke,
        name="consent_revoke",
    ),
    path("<int:pk>/goals/new/", views.goal_create, name="goal_create"),
    path("<int:pk>/goals/<int:goal_pk>/edit/", views.goal_edit, name="goal_edit"),
    path("<int:pk>/goals/<int:goal_pk>/achieve/", views.goal_achieve, name="goal_achieve"),
    path("<int:pk>/goals/<int:goal_pk>/drop/", views.goal_drop, name="goal_drop"),
    path("<int:pk>/goals/<int:goal_pk>/progress/", views.goal_progress, name="goal_progress"),
]
