"""`{{ topic.name|lookup }}`: a seeded lookup's name in the page's language
(mentoring_site/lookup_names.py)."""

from django import template
from django.utils.translation import gettext

register = template.Library()


@register.filter
def lookup(name) -> str:
    return gettext(str(name)) if name else ""
