"""The site's URLs plus /bench/floor/: what any signed-in page costs at least.

The floor goes through the same middleware as every page, needs a signed-in user, runs one
query and renders a one-line template, so `page req/s / floor req/s` says how much of a page's
time is the page itself rather than the stack under it.

/bench/layout/ is the floor plus what every real page of the site has and the floor has not:
the site's layout (base.html: menu, footer, scripts) around the same line, and one audit row.
Its ratio to the floor is the most any audited page of the site can reach.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import include, path

from mentoring_site import audit
from residents.models import House


@login_required
def floor(request):
    return render(request, "bench_floor.html", {"houses": House.objects.count()})


@login_required
def layout(request):
    audit.mark(request, "view", "bench.layout")
    return render(request, "bench_layout.html", {"houses": House.objects.count()})


urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("bench/layout/", layout, name="bench_layout"),
    path("", include("mentoring_site.urls")),
]
