"""Access audit: views say what they showed or changed; one middleware writes the row.

In a view, after loading the object through `visible_to(user)`:

    audit.mark(request, "view", resident, resident_id=resident.pk)

The middleware writes exactly one AuditEvent per request (the last mark wins) when the response
is not an error. The one exception is a request that acts on several records at once (a bulk
delete in the Django admin): `mark_each` records one row per record, each with its own object and
resident id. Nothing personal goes into the row: ids, the action, the path, the IP.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
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


def mark_each(request: HttpRequest, action: str, objs_and_residents) -> None:
    """Record `action` on several objects in this request: one row each, written together.

    `objs_and_residents` is an iterable of (model instance, resident id or None). Like `mark`,
    it replaces whatever this request marked before.
    """
    request._audit_mark = [
        AuditMark(action, obj._meta.label_lower, str(obj.pk or ""), resident_id)
        for obj, resident_id in objs_and_residents
    ]


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address. Behind N trusted proxies (AUDIT_TRUSTED_PROXIES), the Nth address
    from the right of X-Forwarded-For; the left part of that header is whatever a client sent."""
    proxies = getattr(settings, "AUDIT_TRUSTED_PROXIES", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies] or None
    return request.META.get("REMOTE_ADDR") or None


def record_system(action: str, obj, *, resident_id: int | None, path: str) -> AuditEvent:
    """A row for work done without a request (e.g. the retention task): no user, no IP."""
    if isinstance(obj, str):
        object_type, object_id = obj, ""
    else:
        object_type, object_id = obj._meta.label_lower, str(obj.pk or "")
    return AuditEvent.objects.create(
        user=None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        resident_id=resident_id,
        path=path[:300],
    )


# --- Reads shared by the privacy pages ----------------------------------------------------------


def events_for_resident(resident_id: int) -> QuerySet[AuditEvent]:
    """Newest first, through audit_resident_at_idx."""
    return AuditEvent.objects.filter(resident_id=resident_id).select_related("user")


def search_events(
    *,
    user_email: str = "",
    resident_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("user")
    if user_email:
        events = events.filter(user__email__iexact=user_email.strip())
    if resident_id is not None:
        events = events.filter(resident_id=resident_id)
    # Day boundaries in the site's time zone, as plain ranges so the `at` indexes apply.
    if date_from is not None:
        events = events.filter(at__gte=_start_of(date_from))
    if date_to is not None:
        events = events.filter(at__lt=_start_of(date_to + dt.timedelta(days=1)))
    return events


def _start_of(day: dt.date) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@contextmanager
def _audit_transaction():
    """The audit row's own commit does not wait for the disk (PostgreSQL only).

    Every page writes one row, and a synchronous commit waited 1-12 ms for WAL fsync on the
    shared machine, longer than most pages take (docs/performance.md). With
    synchronous_commit off for this transaction only, the row is written and the response goes
    out at once; the database stays consistent, and only a crash of the database server itself
    in the next ~0.6 s (3 x wal_writer_delay) could lose rows that were already answered.
    Every other write (contacts, pairings...) still commits synchronously. Inside an outer
    transaction (ATOMIC_REQUESTS, tests) the outer commit decides, so nothing changes there.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        found = getattr(request, "_audit_mark", None)
        if found is not None and response.status_code < 400 and request.user.is_authenticated:
            with _audit_transaction():
                if isinstance(found, list):
                    AuditEvent.objects.bulk_create(
                        [self._event(request, each) for each in found], batch_size=500
                    )
                else:
                    self._event(request, found).save()
        return response

    @staticmethod
    def _event(request: HttpRequest, found: AuditMark) -> AuditEvent:
        return AuditEvent(
            user=request.user,
            action=found.action,
            object_type=found.object_type,
            object_id=found.object_id,
            resident_id=found.resident_id,
            path=request.path[:300],
            ip=client_ip(request),
        )


# --- Django admin -------------------------------------------------------------------------------


class AuditedAdminMixin:
    """Audits the Django admin pages of resident-related models, like any other view.

    `audit_resident` is the attribute path from an object to its resident id ("pk" for Resident,
    "pairing.resident_id" for a contact). The list marks a view of the model; opening an object
    marks a view; saving marks create/change; deleting marks delete (the last mark wins); a bulk
    delete marks a delete for each object.
    """

    audit_resident = "resident_id"

    def _audit_resident_id(self, obj) -> int | None:
        value = obj
        for part in self.audit_resident.split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value

    def _audit(self, request, action: str, obj) -> None:
        mark(request, action, obj, resident_id=self._audit_resident_id(obj))

    def changelist_view(self, request, extra_context=None):
        mark(request, "view", f"{self.model._meta.label_lower}.list")
        return super().changelist_view(request, extra_context)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            self._audit(request, "view", obj)
        return obj

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._audit(request, "change" if change else "create", obj)

    def delete_model(self, request, obj):
        self._audit(request, "delete", obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        """The admin's bulk "delete selected": one delete row per object, as single deletes write."""
        related = "__".join(self.audit_resident.split(".")[:-1])
        objs = queryset.select_related(related) if related else queryset
        mark_each(request, "delete", [(obj, self._audit_resident_id(obj)) for obj in objs])
        super().delete_queryset(request, queryset)
