"""bench/bench_writes.py: it measures the three trigger modes it names and leaves the database as
it was (every contact rolled back, every trigger enabled again)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.db import connection

from activity_log.models import ContactLog, ReportChange
from mentoring_site.models import PageChange
from tests import factories as f

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from bench_writes import MODES, measure  # noqa: E402

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the change-log triggers it measures exist only on PostgreSQL (CI runs this there)",
    ),
]


def test_it_measures_each_mode_and_rolls_everything_back():
    f.PairingFactory()
    f.PairingFactory()
    counts = (ContactLog.objects.count(), PageChange.objects.count(), ReportChange.objects.count())

    times, rows, facts = measure(writes=3, rounds=2)

    assert {mode: len(values) for mode, values in times.items()} == dict.fromkeys(MODES, 6)
    assert facts["pairings"] == 2
    # Every trigger writes change rows; without the page cache's, fewer; without either, none.
    assert rows["all triggers"] > rows["no page-cache triggers"] > 0
    assert rows["no change-log triggers"] == 0
    assert facts["disabled"]["no change-log triggers"] > facts["disabled"]["no page-cache triggers"]
    counts_after = (
        ContactLog.objects.count(),
        PageChange.objects.count(),
        ReportChange.objects.count(),
    )
    assert counts_after == counts
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'O' "
            "AND (tgname LIKE 'page_change_%%' OR tgname LIKE 'report_change_%%')"
        )
        assert cursor.fetchone()[0] == 0
