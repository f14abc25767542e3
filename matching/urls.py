from django.urls import path

from matching import views

app_name = "matching"

urlpatterns = [
    # Slots on pages of lower apps (htmx partials): the resident page and the mentor page.
    path("residents/<int:resident_id>/", views.resident_pairings, name="resident_pairings"),
    path("mentors/<int:mentor_id>/", views.mentor_pairings, name="mentor_pairings"),
]
