from django.urls import path

from mentors import views

app_name = "mentors"

urlpatterns = [
    path("", views.mentor_list, name="list"),
    path("new/", views.mentor_create, name="create"),
    path("<int:pk>/", views.mentor_detail, name="detail"),
    path("<int:pk>/edit/", views.mentor_edit, name="edit"),
    path("<int:pk>/status/", views.mentor_status, name="status"),
    path("<int:pk>/invite/", views.mentor_resend_invite, name="resend_invite"),
    path("<int:pk>/training/new/", views.record_training, name="record_training"),
    path("training/session/", views.record_session, name="record_session"),
    path("me/training/", views.my_training, name="my_training"),
    path("me/profile/", views.my_profile, name="my_profile"),
    path("me/away/", views.my_away, name="my_away"),
    path("me/capacity/", views.my_capacity, name="my_capacity"),
]
