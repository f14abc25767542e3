from django.urls import path

from activity_log import views

app_name = "activity_log"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("my/", views.my_mentees, name="my_mentees"),
]
