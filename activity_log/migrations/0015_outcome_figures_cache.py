"""The outcomes report's figures join the reports figures cache (activity_log/reports/
figures_cache.py): feedback links, feedback answers and recovery checks append change rows like
the tables of 0013 (same function, keyed by the resident's house). Goals, residents and houses
are watched already. PostgreSQL only, as in 0013."""

from django.db import migrations

# table: the column that leads to the house (report_change() in 0013)
WATCHED = {
    "activity_log_feedbackrequest": "resident_id",
    "activity_log_feedbackresponse": "resident_id",
    "activity_log_recoveryassessment": "resident_id",
}


def _triggers() -> tuple[str, str]:
    create, drop = [], []
    for table, key in WATCHED.items():
        for event, refs in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            name = f"report_change_{event.lower()}"
            create.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {refs} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION report_change('{key}');"
            )
            drop.append(f"DROP TRIGGER IF EXISTS {name} ON {table};")
        create.append(
            f"CREATE TRIGGER report_change_truncate AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION report_change_truncated();"
        )
        drop.append(f"DROP TRIGGER IF EXISTS report_change_truncate ON {table};")
    return "\n".join(create), "\n".join(drop)


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_triggers()[0])


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_triggers()[1])


class Migration(migrations.Migration):
    dependencies = [
        ("activity_log", "0014_verbose_names"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
