from django.urls import path

from matching import views

app_name = "matching"

urlpatterns = [
    # Slots on pages of lower apps (htmx partials): the resident page and the mentor page.
    path("residents/<int:resident_id>/", views.resident_pairings, name="resident_pairings"),
    path("mentors/<int:mentor_id>/", views.mentor_pairings, name="mentor_pairings"),
    path("waiting/", views.waiting, name="waiting"),
    path("residents/<int:resident_id>/suggest/", views.suggest, name="suggest"),
    path("residents/<int:resident_id>/pair/<int:mentor_id>/", views.pair, name="pair"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/pause/", views.pause, name="pause"),
    path("<int:pk>/resume/", views.resume, name="resume"),
    path("<int:pk>/end/", views.end, name="end"),
    path("<int:pk>/interval/", views.interval, name="interval"),
    path("<int:pk>/reassign/", views.reassign, name="reassign"),
    path("<int:pk>/reassign/<int:mentor_id>/", views.reassign_to, name="reassign_to"),
]
