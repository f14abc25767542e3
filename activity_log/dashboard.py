from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mentoring_site.roles import staff_required


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "activity_log/dashboard.html")
