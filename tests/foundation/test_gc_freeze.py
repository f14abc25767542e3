"""Web processes freeze the objects every request shares (mentoring_site/gc_freeze.py), so full
garbage collections stop walking them: once the application is loaded (mentoring_site/wsgi.py),
then after a process's 1st, 10th and 100th request, each after a full collection."""

from __future__ import annotations

import gc
import importlib
import itertools

from django.core.signals import request_finished

from mentoring_site import gc_freeze


def test_freezing_collects_first_then_freezes(monkeypatch):
    calls = []
    monkeypatch.setattr(gc, "collect", lambda *a: calls.append("collect"))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    gc_freeze.freeze()
    assert calls == ["collect", "freeze"]


def test_a_process_freezes_after_its_1st_10th_and_100th_request(monkeypatch):
    monkeypatch.setattr(gc_freeze, "_finished", itertools.count(1))
    frozen_at, request = [], 0
    monkeypatch.setattr(gc_freeze, "freeze", lambda: frozen_at.append(request))
    for request in range(1, 151):  # noqa: B007 - read by the lambda
        gc_freeze.freeze_after_request(sender=None)
    assert frozen_at == [1, 10, 100]


def test_the_wsgi_entry_point_freezes_and_listens_for_finished_requests(monkeypatch):
    import mentoring_site.wsgi

    calls = []
    monkeypatch.setattr(gc, "collect", lambda *a: calls.append("collect"))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    try:
        importlib.reload(mentoring_site.wsgi)
        assert calls == ["collect", "freeze"]
        receivers = [r for r in request_finished._live_receivers(None)[0]]
        assert gc_freeze.freeze_after_request in receivers
    finally:
        request_finished.disconnect(dispatch_uid="mentoring_site.gc_freeze")
    assert gc_freeze.freeze_after_request not in request_finished._live_receivers(None)[0]


def test_the_test_and_worker_processes_do_not_freeze():
    """Only the WSGI module installs it: the suite itself never connected the receiver."""
    assert gc_freeze.freeze_after_request not in request_finished._live_receivers(None)[0]
