from django.http import HttpRequest, HttpResponse

from mentoring_site.roles import staff_required


@staff_required
def resident_access(request: HttpRequest, resident_id: int) -> HttpResponse:
    """Placeholder partial: the privacy issue fills it."""
    return HttpResponse("")
