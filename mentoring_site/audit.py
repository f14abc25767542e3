"""Access audit: views say what they showed or changed; one middleware writes the row.

In a view, after loading the object through `visible_to(user)`:

    audit.mark(request, "view", resident, resident_id=resident.pk)

The middleware writes exactly one AuditEvent per request (the last mark wins) when the response
is not an error. Nothing personal goes into the row: ids, the action, the path, the IP.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

from mentoring_site.models import AuditEvent


@dataclass
class AuditMark:
    action: str
    object_type: str
    object_id: str
    resident_id: int | None


def mark(request: HttpRequest, action: str, obj, *, resident_id: int | None = None) -> None:
    """Record that this request did `action` to `obj` (a model instance, or a label for exports)."""
    if isinstance(obj, str):
        object_type, object_id = obj, ""
    else:
        object_type, object_id = obj._meta.label_lower, str(obj.pk or "")
    request._audit_mark = AuditMark(action, object_type, object_id, resident_id)


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        found = getattr(request, "_audit_mark", None)
        if found is not None and response.status_code < 400 and request.user.is_authenticated:
            AuditEvent.objects.create(
                user=request.user,
                action=found.action,
                object_type=found.object_type,
                object_id=found.object_id,
                resident_id=found.resident_id,
                path=request.path[:300],
                ip=client_ip(request),
            )
        return response
