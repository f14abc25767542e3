"""Rebuild the reports' roll-up from the contacts (activity_log/reports/rollup.py).

Contact writes keep it in step; run this after anything that bypasses the services: a bulk
load, a changed check-in interval, a resident moved to another house, a fix in a database shell.
Safe while the site runs: contact writes wait for it to commit.
"""

import time

from django.core.management.base import BaseCommand

from activity_log.reports.rollup import rollup_rebuild


class Command(BaseCommand):
    help = "Recompute the reports' per-house, per-day contact figures from the contacts."

    def handle(self, *args, **options):
        start = time.monotonic()
        rows = rollup_rebuild()
        self.stdout.write(
            f"Report roll-up rebuilt: {rows:,} pairing-days in {time.monotonic() - start:.1f} s."
        )
