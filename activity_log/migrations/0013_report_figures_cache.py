"""The reports page's figures cache: a change log appended by PostgreSQL triggers.

activity_log/reports/figures_cache.py keys a cached report by the sum of `weight` over the
rows of its houses (and house 0, program-wide data). Every write that can change a figure, by
any path (the app, QuerySet.update(), the Django admin, a database shell), appends a row in the
same transaction, so the sum a reader sees has grown as soon as the write is visible. Inserts
only: writers never wait for each other here. On other databases (SQLite in tests) there are
no triggers, and the cache is off (figures_cache.enabled()).
"""

from django.db import migrations, models

FUNCTION = r"""
CREATE OR REPLACE FUNCTION report_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    -- TG_ARGV[0]: 'program' (house 0), 'house_id' or 'resident_id' (the column that leads
    -- to the house); the rest: columns whose changes cannot change a figure.
    key text := TG_ARGV[0];
    ignored text[] := coalesce(TG_ARGV[1:], '{}');
    keys bigint[];
BEGIN
    IF key = 'program' THEN
        IF TG_OP = 'DELETE' THEN
            PERFORM 1 FROM old_rows LIMIT 1;
        ELSE
            PERFORM 1 FROM new_rows LIMIT 1;
        END IF;
        IF FOUND THEN
            INSERT INTO activity_log_reportchange (house_id, weight) VALUES (0, 1);
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        EXECUTE format('SELECT ARRAY(SELECT DISTINCT %I FROM new_rows)', key) INTO keys;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('SELECT ARRAY(SELECT DISTINCT %I FROM old_rows)', key) INTO keys;
    ELSE
        -- Rows as they were and as they are, without the ignored columns: what differs.
        keys := ARRAY(
            SELECT DISTINCT (j ->> key)::bigint FROM (
                (SELECT to_jsonb(n) - ignored AS j FROM new_rows n
                 EXCEPT ALL SELECT to_jsonb(o) - ignored FROM old_rows o)
                UNION ALL
                (SELECT to_jsonb(o) - ignored FROM old_rows o
                 EXCEPT ALL SELECT to_jsonb(n) - ignored FROM new_rows n)
            ) changed
        );
    END IF;
    IF key = 'resident_id' THEN
        -- A resident already gone counts as program-wide (house 0 is in every key).
        keys := ARRAY(
            SELECT DISTINCT coalesce(r.house_id, 0)
            FROM unnest(keys) k LEFT JOIN residents_resident r ON r.id = k
        );
    END IF;
    INSERT INTO activity_log_reportchange (house_id, weight) SELECT k, 1 FROM unnest(keys) k;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION report_change_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO activity_log_reportchange (house_id, weight) VALUES (0, 1);
    RETURN NULL;
END
$$;
"""

# table: (key, ignored columns)
WATCHED = {
    # Residents served and with a mentor, exits, age bands, goals' scope, house meeting seats.
    "residents_resident": ("house_id", ("updated_at",)),
    # Contacts by method and topic, hours, on-time check-ins (the roll-up).
    "activity_log_contactday": ("house_id", ()),
    "activity_log_topicday": ("house_id", ()),
    # With a mentor, exits with a mentor. The due fields change with every contact and only
    # the live "missed" figure reads them.
    "matching_pairing": ("resident_id", ("last_contact_at", "next_due_at", "overdue_at")),
    "residents_recoverygoal": ("resident_id", ("updated_at",)),
    # Program-wide: group sessions, training, whose houses a mentor or manager has, topics.
    "activity_log_groupsession": ("program", ()),
    "activity_log_attendance": ("program", ()),
    "activity_log_groupsession_facilitator_mentors": ("program", ()),
    "activity_log_groupsession_facilitator_users": ("program", ()),
    "mentors_trainingrecord": ("program", ()),
    "mentors_mentor": ("program", ()),
    "mentors_mentor_houses": ("program", ()),
    "residents_house": ("program", ()),
    "residents_house_managers": ("program", ()),
    "activity_log_topic": ("program", ()),
}


def _triggers() -> tuple[str, str]:
    create, drop = [], []
    for table, (key, ignored) in WATCHED.items():
        args = ", ".join(f"'{a}'" for a in (key, *ignored))
        for event, refs in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            name = f"report_change_{event.lower()}"
            create.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {refs} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION report_change({args});"
            )
            drop.append(f"DROP TRIGGER IF EXISTS {name} ON {table};")
        create.append(
            f"CREATE TRIGGER report_change_truncate AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION report_change_truncated();"
        )
        drop.append(f"DROP TRIGGER IF EXISTS report_change_truncate ON {table};")
    return "\n".join(create), "\n".join(drop)


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    create, _drop = _triggers()
    schema_editor.execute(FUNCTION, params=None)
    schema_editor.execute(create)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _create, drop = _triggers()
    schema_editor.execute(drop)
    schema_editor.execute(
        "DROP FUNCTION IF EXISTS report_change(); DROP FUNCTION IF EXISTS report_change_truncated();"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("activity_log", "0012_reminder_channel"),
        ("matching", "0004_pairing_overdue_at"),
        ("mentors", "0006_mentor_away"),
        ("residents", "0007_resident_preferred_language"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReportChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("house_id", models.BigIntegerField()),
                ("weight", models.BigIntegerField(default=1)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["house_id", "weight"], name="reportchange_house_idx")
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
