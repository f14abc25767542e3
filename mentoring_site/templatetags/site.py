"""Small template helpers shared by every page: `{% load site %}`.

- `{% nav_link "residents:list" "Residents" %}`: a menu link that shows where you are (class
  `active`, and `aria-current="page"` on that very page; `aria-current="true"` below it).
- `{% id_url "residents:detail" resident.pk %}`: `{% url %}` for integer ids, worked out once.
- `{{ days|every_days }}`: "every day", "every 7 days".
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mentoring_site.links import id_url

register = template.Library()

# `{% id_url "name" id ... %}`: `{% url %}` for integer ids (or none), each URL name reversed
# once (mentoring_site/links.py): the layout's links on every page, a list's row links.
register.simple_tag(id_url, name="id_url")


@register.simple_tag(takes_context=True)
def nav_link(context, url_name: str, label: str, section: str = ""):
    """A `.nav-link`; `section` (URL name prefixes, space-separated) marks the pages below it."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    here = match.view_name if match else ""
    current = ""
    if here == url_name:
        current = "page"
    elif section and here.startswith(tuple(section.split())):
        current = "true"
    if current:
        return format_html(
            '<a class="nav-link active" aria-current="{}" href="{}">{}</a>',
            current,
            id_url(url_name),
            label,
        )
    return format_html('<a class="nav-link" href="{}">{}</a>', id_url(url_name), label)


@register.filter
def every_days(days) -> str:
    """'every day' for 1, 'every N days' otherwise."""
    try:
        days = int(days)
    except (TypeError, ValueError):
        return ""
    return ngettext("every day", "every %(days)d days", days) % {"days": days}


@register.filter
def names(objects, separator: str = ", ") -> str:
    """'Housing, Legal, Other': each object's name (or text), no space before the separator."""
    return separator.join(
        str(getattr(obj, "name", None) or getattr(obj, "text", None) or obj) for obj in objects
    )


@register.filter
def is_future(moment) -> bool:
    """True for an aware datetime after now."""
    from django.utils import timezone

    return moment is not None and moment > timezone.now()


# What an audit row's page showed, in words, by the URL it was written for (`{{ event|audit_what }}`).
AUDIT_PAGES = {
    "residents:detail": _(
        "resident page (profile, goals, consent, pairings, contacts, groups, feedback, recovery checks)"
    ),
    "residents:edit": _("profile (edit form)"),
    "residents:exit": _("record (exit form)"),
    "matching:resident_pairings": _("mentor pairings"),
    "matching:suggest": _("mentor suggestions"),
    "matching:pair": _("pairing form"),
    "activity_log:resident_timeline": _("contact timeline"),
    "groups:resident_attendance": _("group attendance"),
    "activity_log:feedback_resident": _("feedback on mentoring"),
    "activity_log:recovery_resident": _("recovery checks"),
    "activity_log:my_mentees": _("phone number on My mentees"),
}
AUDIT_OBJECTS = {
    "residents.resident": _("record"),
    "residents.recoverygoal": _("goal"),
    "residents.consentrecord": _("consent"),
    "activity_log.contactlog": _("contact"),
    "matching.pairing": _("pairing"),
}


@register.filter
def audit_what(event) -> str:
    from django.urls import Resolver404, resolve

    try:
        name = resolve(event.path).view_name if event.path.startswith("/") else ""
    except Resolver404:
        name = ""
    if name in AUDIT_PAGES:
        return str(AUDIT_PAGES[name])
    return str(AUDIT_OBJECTS.get(event.object_type, event.object_type.split(".")[-1]))
