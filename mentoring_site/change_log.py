"""Change logs that PostgreSQL triggers append to, read as data versions.

Two logs of the same shape: the reports' (`activity_log.ReportChange`, migration activity_log
0013) and the page cache's (`mentoring_site.PageChange`, triggers in activity_log 0016-0017). A
row says that a write changed what is shown for one key (a house; 0 for program-wide data; in
the page log, minus a mentor's id for that mentor's own pages). The *version* of a set of keys
is the sum of their rows' weights: a write committed before the read is in it, and any later one
makes it larger. Merging keeps the sums.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)

# More change rows than this in one read: merged into one row per house (sums unchanged).
MERGE_ABOVE = 2000


def data_version(house_ids: tuple[int, ...] | None, table: str) -> int:
    """The sum of the change weights in `table` of these keys (None: every house) and 0."""
    with connection.cursor() as cursor:
        if house_ids is None:
            cursor.execute(
                f"SELECT COALESCE(SUM(weight), 0), COUNT(*) FROM {table} "  # noqa: S608
                "WHERE house_id >= 0"
            )
        else:
            cursor.execute(
                f"SELECT COALESCE(SUM(weight), 0), COUNT(*) FROM {table} "  # noqa: S608
                "WHERE house_id = ANY(%s)",
                [[0, *house_ids]],
            )
        version, rows = cursor.fetchone()
    if rows > MERGE_ABOVE:
        merge_changes(table)
    return int(version)


def merge_changes(table: str) -> None:
    """One row per house in place of many, in one statement: every sum stays what it was
    (rows written meanwhile are not seen, so not deleted). One merger at a time; a failed merge
    only leaves the rows for the next one."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [table])
            if not cursor.fetchone()[0]:
                return
            cursor.execute(
                f"WITH gone AS (DELETE FROM {table} RETURNING house_id, weight) "  # noqa: S608
                f"INSERT INTO {table} (house_id, weight) "
                "SELECT house_id, SUM(weight) FROM gone GROUP BY house_id"
            )
    except DatabaseError:
        logger.warning("change rows of %s not merged", table, exc_info=True)
