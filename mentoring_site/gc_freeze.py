"""Keep Python's full garbage collections short in web processes (gc.freeze).

A web process holds ~140,000 long-lived objects (Django, the apps, URL patterns, compiled
templates, translation catalogues). Every full ("generation 2") collection walks them all:
60-85 ms at `--scale large`, on whichever request happens to trigger it, so a page whose median is
35 ms showed a p99 of ~100-120 ms (`bench/bench_pages.py`). `gc.freeze()` moves the objects alive
at that moment into a permanent generation that collections skip: the same pages' pauses fall
to 7-10 ms and the collector's total time per request by about half.

`mentoring_site/wsgi.py` freezes once the application is loaded, and `freeze_after_request`
again after a web process's 1st, 10th and 100th request (URL resolver, templates and catalogues
load on first use), each time after a full collection, so no garbage is frozen with them. Only
the WSGI entry point does this: tests, `runserver`, Celery and management commands are untouched.
Frozen objects are never freed: almost all live for the whole process anyway; the exception is
what the request finishing at that moment still holds (its request and response), three times
per process, a few hundred kilobytes at most.
"""

from __future__ import annotations

import gc
import itertools

FREEZE_AFTER = frozenset({1, 10, 100})

_finished = itertools.count(1)


def freeze() -> None:
    """Collect what is garbage now, then make every live object permanent."""
    gc.collect()
    gc.freeze()


def freeze_after_request(**kwargs) -> None:
    """`request_finished` receiver: freeze after the process's 1st, 10th and 100th request."""
    if next(_finished) in FREEZE_AFTER:
        freeze()


def install() -> None:
    """For the WSGI entry point: freeze now, and again after the first requests."""
    from django.core.signals import request_finished

    freeze()
    request_finished.connect(freeze_after_request, dispatch_uid="mentoring_site.gc_freeze")
