"""Access audit: views say what they showed or changed; one middleware writes the row.

In a view, after loading the object through `visible_to(user)`:

    audit.mark(request, "view", resident, resident_id=resident.pk)

The middleware writes exactly one AuditEvent per request (the last mark wins) when the view
answered, whatever the status (a refused form that renders the record showed it); a view that
raised (404, 403, 500) writes nothing. The exceptions are requests that act on or show several
records at once: `mark_each` (a bulk delete in the Django admin) and `mark_shown` (a page listing
residents' contact details) record one row per record, each with its own object and resident id.
Nothing personal goes into the row: ids, the action, the path, the IP.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

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


# --- One row per page visit: a page and the htmx sections it loads -----------------------------
#
# The resident page loads its pairings, contact timeline and group attendance as htmx sections.
# The page writes the visit's row and hands its sections a signed token (header X-Audit-Visit);
# a section request that carries a valid token for the same user and resident writes no row of
# its own: it is part of the visit already recorded. Without a token (a section opened on its
# own, or paged later) or with a bad or stale one, the section writes its own row as before.

VISIT_HEADER = "X-Audit-Visit"
VISIT_SALT = "mentoring_site.audit.visit"
VISIT_MAX_AGE = 30 * 60  # seconds a page's sections count as part of its visit


def visit_token(request: HttpRequest, resident_id: int) -> str:
    """For a page that marked its own row: the token its sections send back."""
    return signing.dumps([request.user.pk, resident_id], salt=VISIT_SALT, compress=False)


def part_of_visit(request: HttpRequest, resident_id: int) -> bool:
    """True when this (section) request carries the token of a recorded page visit."""
    token = request.headers.get(VISIT_HEADER, "")
    if not token:
        return False
    try:
        user_id, visit_resident = signing.loads(token, salt=VISIT_SALT, max_age=VISIT_MAX_AGE)
    except (signing.BadSignature, TypeError, ValueError):
        return False
    return user_id == request.user.pk and visit_resident == resident_id


def mark_section(request: HttpRequest, action: str, obj, *, resident_id: int) -> None:
    """`mark`, unless the request is a section of a page visit that is already recorded."""
    if part_of_visit(request, resident_id):
        request._audit_mark = None
        return
    mark(request, action, obj, resident_id=resident_id)


def mark_each(request: HttpRequest, action: str, objs_and_residents) -> None:
    """Record `action` on several objects in this request: one row each, written together.

    `objs_and_residents` is an iterable of (model instance, resident id or None). Like `mark`,
    it replaces whatever this request marked before.
    """
    request._audit_mark = [
        AuditMark(action, obj._meta.label_lower, str(obj.pk or ""), resident_id)
        for obj, resident_id in objs_and_residents
    ]


def mark_shown(request: HttpRequest, residents, *, action: str = "view") -> None:
    """Record one row per resident whose contact details or goals (or, for a search, whose name)
    this response shows, as well as what the request marked for the page itself.

    For list-like pages (my mentees with phone numbers, the intake's duplicate-name warning, the
    admin's resident autocomplete). The middleware writes the rows with one bulk insert, so the
    page's query count does not grow with the number of residents.
    """
    found = getattr(request, "_audit_mark", None)
    marks = [] if found is None else list(found) if isinstance(found, list) else [found]
    marks += [
        AuditMark(action, resident._meta.label_lower, str(resident.pk), resident.pk)
        for resident in residents
    ]
    if marks:
        request._audit_mark = marks


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address, read this one way for the audit trail and for allauth's rate limits
    (`AccountAdapter.get_client_ip`). Behind N trusted proxies (TRUSTED_PROXY_COUNT), the Nth
    address from the right of X-Forwarded-For: each proxy appends the address it saw, so anything
    left of that is whatever the client sent. None if that is not an IP address."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            address = hops[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


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


def record_emails(
    *, recipient_id: int, reminders_by_resident: dict[int, int], via: str = "emailed"
) -> None:
    """Disclosures by email or text (issue 13): one row per resident a message named, ids only.

    `reminders_by_resident` maps each resident id to the reminder that named them.
    """
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                user=None,
                action=AuditEvent.Action.DISCLOSE,
                object_type="activity_log.reminder",
                object_id=str(reminder_id),
                resident_id=resident_id,
                path=f"{via} to user {recipient_id}",
            )
            for resident_id, reminder_id in reminders_by_resident.items()
        ]
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
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        found = getattr(request, "_audit_mark", None)
        # Any status the view answered itself: a refused form (400) that still renders the
        # record showed it. A view that raised (404 for an outsider, 403, 500) showed nothing,
        # and process_exception dropped its mark.
        if found is not None and request.user.is_authenticated:
            write_marks(request, found if isinstance(found, list) else [found])
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        request._audit_mark = None


_COLUMNS = ("at", "user_id", "action", "object_type", "object_id", "resident_id", "path", "ip")
_BATCH = 500


def write_marks(request: HttpRequest, marks: list[AuditMark]) -> None:
    """The request's rows, one plain multi-row INSERT a batch (one round trip for a page, in
    autocommit: no BEGIN/COMMIT pair, no ORM compile). Every page pays this, so it is lean."""
    ops = connection.ops
    at = ops.adapt_datetimefield_value(timezone.now())
    ip = ops.adapt_ipaddressfield_value(client_ip(request))
    path = request.path[:300]
    user_id = request.user.pk
    table = ops.quote_name(AuditEvent._meta.db_table)
    columns = ", ".join(ops.quote_name(column) for column in _COLUMNS)
    row = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(marks), _BATCH):
            batch = marks[start : start + _BATCH]
            params = []
            for each in batch:
                params += [
                    at,
                    user_id,
                    each.action,
                    each.object_type,
                    each.object_id,
                    each.resident_id,
                    path,
                    ip,
                ]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(batch))}", params
            )


# --- Django admin -------------------------------------------------------------------------------


class _AuditedPaginator(Paginator):
    """Hands the objects of the page it answers to `on_page` (loaded once, then reused)."""

    def __init__(self, *args, on_page, **kwargs):
        super().__init__(*args, **kwargs)
        self._on_page = on_page

    def page(self, number):
        page = super().page(number)
        page.object_list = list(page.object_list)
        self._on_page(page.object_list)
        return page


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

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        """The admin's autocomplete (a resident picker on the consent and goal forms) lists
        residents by name: one view row per resident on the page it answers."""
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name == "admin:autocomplete":
            return _AuditedPaginator(
                queryset,
                per_page,
                orphans=orphans,
                allow_empty_first_page=allow_empty_first_page,
                on_page=lambda objs: mark_each(
                    request, "view", [(obj, self._audit_resident_id(obj)) for obj in objs]
                ),
            )
        return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)

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
