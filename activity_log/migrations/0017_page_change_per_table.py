"""The page cache's triggers (0016) with one function per table and the keys' query as static SQL.

0016's single `page_change()` built each table's keys query as text and ran it with EXECUTE, so
PostgreSQL parsed and planned it on every statement that wrote to a watched table (several
per contact logged). In a function of its own, the same query is a static PL/pgSQL statement
whose plan is kept for the session. Same keys, same rows (the queries are 0016's, unchanged):
logging a contact costs about 10 ms less (docs/performance.md, "What the triggers cost a write").
The truncate and user-table triggers keep 0016's `page_change_program()`.
"""

from importlib import import_module

from django.db import migrations

page_cache = import_module("activity_log.migrations.0016_page_cache")

EVENTS = (
    ("INSERT", "NEW TABLE AS new_rows"),
    ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("DELETE", "OLD TABLE AS old_rows"),
)


def function_name(table: str) -> str:
    return f"page_change_{table}"


def _function(table: str, keys_sql: str) -> str:
    new = keys_sql.replace("{rows}", "new_rows")
    old = keys_sql.replace("{rows}", "old_rows")
    return f"""
CREATE OR REPLACE FUNCTION {function_name(table)}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    keys bigint[] := '{{}}';
BEGIN
    IF TG_OP <> 'DELETE' THEN
        keys := keys || ARRAY({new});
    END IF;
    IF TG_OP <> 'INSERT' THEN
        keys := keys || ARRAY({old});
    END IF;
    INSERT INTO mentoring_site_pagechange (house_id, weight)
    SELECT DISTINCT k, 1 FROM unnest(keys) k WHERE k IS NOT NULL;
    RETURN NULL;
END
$$;
"""


def _drop_row_triggers(table: str) -> str:
    return "\n".join(
        f"DROP TRIGGER IF EXISTS page_change_{event.lower()} ON {table};" for event, _ in EVENTS
    )


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    statements = []
    for table, keys_sql in page_cache.WATCHED.items():
        statements.append(_function(table, keys_sql))
        statements.append(_drop_row_triggers(table))
        statements.extend(
            f"CREATE TRIGGER page_change_{event.lower()} AFTER {event} ON {table} "
            f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION {function_name(table)}();"
            for event, refs in EVENTS
        )
    schema_editor.execute("\n".join(statements), params=None)


def uninstall(apps, schema_editor):
    """Back to 0016: its triggers on its one function."""
    if schema_editor.connection.vendor != "postgresql":
        return
    create, drop = page_cache._triggers()
    functions = "\n".join(
        f"DROP FUNCTION IF EXISTS {function_name(table)}();" for table in page_cache.WATCHED
    )
    schema_editor.execute(f"{drop}\n{functions}\n{create}", params=None)


class Migration(migrations.Migration):
    dependencies = [("activity_log", "0016_page_cache")]

    operations = [migrations.RunPython(install, uninstall)]
