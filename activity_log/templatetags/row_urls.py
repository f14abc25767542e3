"""`{% id_url "residents:detail" resident.pk %}`: `{% url %}` for integer ids, for long lists.

A dashboard draws ~150 row links (all houses); `{% url %}` walks the resolver for each, a
quarter of its template time. `mentoring_site.links.id_url` reverses each URL name once and
fills in the ids: the same URL (tests/activity_log/test_row_urls.py compares both).
"""

from __future__ import annotations

from django import template

from mentoring_site.links import id_url

register = template.Library()

register.simple_tag(id_url, name="id_url")
