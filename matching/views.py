from django.http import HttpRequest, HttpResponse

from mentoring_site.roles import staff_required


@staff_required
def resident_pairings(request: HttpRequest, resident_id: int) -> HttpResponse:
    """Placeholder partial: the matching issue fills it."""
    return HttpResponse("")


@staff_required
def mentor_pairings(request: HttpRequest, mentor_id: int) -> HttpResponse:
    """Placeholder partial: the matching issue fills it."""
    return HttpResponse("")
