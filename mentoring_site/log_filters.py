"""Logging filters that keep personal data out of the logs (docs/privacy.md, "Logs").

`RedactQueryValues` is on the `django.server` logger (the development server's access log): it
prints each request line, and a query string can carry a name (the Django admin's `?q=` search,
its autocomplete `?term=`, a `?next=` holding either). Parameter names stay, values become `*`:

    "GET /admin/residents/resident/?q=Smith&p=2 HTTP/1.1"  ->  "GET ...?q=*&p=* HTTP/1.1"
"""

from __future__ import annotations

import logging
import re

# "METHOD target HTTP/x.y" with a query string in the target.
_REQUEST_LINE = re.compile(r"^(?P<head>\S+ [^?\s]*)\?(?P<query>\S*)(?P<tail> HTTP/\S+)?$")


def redact_query(request_line: str) -> str:
    match = _REQUEST_LINE.match(request_line)
    if match is None:
        return request_line
    names = [part.split("=", 1)[0] for part in match["query"].split("&") if part]
    query = "&".join(f"{name}=*" for name in names)
    return f"{match['head']}?{query}{match['tail'] or ''}"


class RedactQueryValues(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            record.args = (redact_query(record.args[0]), *record.args[1:])
        elif isinstance(record.msg, str) and not record.args:
            record.msg = redact_query(record.msg)
        return True
