"""The site's URLs plus /bench/floor/: what any signed-in page costs at least.

The floor goes through the same middleware as every page, needs a signed-in user, runs one
query and renders a one-line template, so `page req/s / floor req/s` says how much of a page's
time is the page itself rather than the stack under it.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import include, path

from residents.models import House


@login_required
def floor(request):
    return render(request, "bench_floor.html", {"houses": House.objects.count()})


urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("", include("mentoring_site.urls")),
]
