from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mentoring_site.roles import mentor_required, staff_required


@mentor_required
def my_mentees(request: HttpRequest) -> HttpResponse:
    return render(request, "activity_log/my_mentees.html")


@staff_required
def resident_timeline(request: HttpRequest, resident_id: int) -> HttpResponse:
    """Placeholder partial: the contact logging issue fills it."""
    return HttpResponse("")
