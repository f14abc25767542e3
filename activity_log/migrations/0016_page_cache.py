"""The page cache (mentoring_site/page_cache.py): its change log (mentoring_site.PageChange) appended
by PostgreSQL triggers, here because this app's migrations come after every table they watch.

A cached page part is keyed by the sum of `weight` over the rows of the keys it depends on: its
houses, 0 (program-wide data) and, for a mentor's own pages, minus the mentor's user id. Every write to
a table those pages read appends a row in the same transaction, whatever wrote it (the app,
`QuerySet.update()`, the Django admin, a database shell), so the sum a reader sees has grown as
soon as the write is visible. Unlike the reports' log (0013) no column is ignored: the due fields
of a pairing change the overdue list. Inserts only: writers never wait for each other here. On
other databases (SQLite in tests) there are no triggers and the cache is off.
"""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION page_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    -- TG_ARGV[0]: a SELECT of the keys the rows of {rows} change (a row as it was and as it is).
    keys_sql text := TG_ARGV[0];
    keys bigint[] := '{}';
    more bigint[];
BEGIN
    IF TG_OP <> 'DELETE' THEN
        EXECUTE 'SELECT ARRAY(' || replace(keys_sql, '{rows}', 'new_rows') || ')' INTO more;
        keys := keys || more;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        EXECUTE 'SELECT ARRAY(' || replace(keys_sql, '{rows}', 'old_rows') || ')' INTO more;
        keys := keys || more;
    END IF;
    INSERT INTO mentoring_site_pagechange (house_id, weight)
    SELECT DISTINCT k, 1 FROM unnest(keys) k WHERE k IS NOT NULL;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION page_change_program() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO mentoring_site_pagechange (house_id, weight) VALUES (0, 1);
    RETURN NULL;
END
$$;
"""

# The keys of a table's rows, as SQL over `{rows} t`: the houses (of the resident the row is
# about, and a house named directly), and minus the user id of each mentor whose own pages can
# show the row (the row's mentor, and every mentor ever paired with its resident). A row about
# no house (a resident already gone, a reminder about training) counts as program-wide (0).
PROGRAM = "SELECT 0 FROM {rows} t LIMIT 1"


def _keys(
    *, resident: str = "NULL", house: str = "NULL", mentor: str = "NULL", joins: str = ""
) -> str:
    rows = f"FROM {{rows}} t {joins}".strip()
    parts = []
    if resident != "NULL" or house != "NULL":
        parts.append(
            f"SELECT unnest(ARRAY[r.house_id, {house}, "
            f"CASE WHEN r.house_id IS NULL AND {house} IS NULL THEN 0 END]) "
            f"{rows} LEFT JOIN residents_resident r ON r.id = {resident}"
        )
    if mentor != "NULL":
        parts.append(f"SELECT -m.user_id {rows} JOIN mentors_mentor m ON m.id = {mentor}")
    if resident != "NULL":
        parts.append(
            f"SELECT -m.user_id {rows} JOIN matching_pairing mp ON mp.resident_id = {resident} "
            "JOIN mentors_mentor m ON m.id = mp.mentor_id"
        )
    return " UNION ALL ".join(parts)


RESIDENT = _keys(resident="t.resident_id")
PAIRING = _keys(
    joins="LEFT JOIN matching_pairing p ON p.id = t.pairing_id",
    resident="p.resident_id",
    mentor="p.mentor_id",
)


def _contact(column: str) -> str:
    return _keys(
        joins=(
            f"LEFT JOIN activity_log_contactlog c ON c.id = t.{column} "
            "LEFT JOIN matching_pairing p ON p.id = c.pairing_id"
        ),
        resident="p.resident_id",
        mentor="p.mentor_id",
    )


SESSION = "LEFT JOIN activity_log_groupsession s ON s.id = t.session_id"
# About a pairing, a contact, a resident or a group session.
REMINDER = _keys(
    joins=(
        "LEFT JOIN matching_pairing p ON p.id = t.pairing_id "
        "LEFT JOIN activity_log_contactlog c ON c.id = t.contact_id "
        "LEFT JOIN matching_pairing cp ON cp.id = c.pairing_id "
        "LEFT JOIN activity_log_groupsession s ON s.id = t.group_session_id"
    ),
    resident="coalesce(p.resident_id, cp.resident_id, t.resident_id)",
    house="s.house_id",
    mentor="coalesce(p.mentor_id, cp.mentor_id)",
)

WATCHED = {
    "residents_house": PROGRAM,
    "residents_language": PROGRAM,
    "residents_recoverypathway": PROGRAM,
    "residents_house_managers": PROGRAM,
    "residents_resident": _keys(resident="t.id", house="t.house_id"),
    "residents_resident_languages": RESIDENT,
    "residents_resident_pathways": RESIDENT,
    "residents_consentrecord": RESIDENT,
    "residents_recoverygoal": RESIDENT,
    "residents_goalprogress": _keys(
        joins="LEFT JOIN residents_recoverygoal g ON g.id = t.goal_id", resident="g.resident_id"
    ),
    "mentors_mentor": PROGRAM,
    "mentors_mentor_houses": PROGRAM,
    "mentors_trainingcourse": PROGRAM,
    "mentors_trainingrecord": PROGRAM,
    "matching_pairing": _keys(resident="t.resident_id", mentor="t.mentor_id"),
    "activity_log_contactlog": PAIRING,
    "activity_log_contactlog_topics": _contact("contactlog_id"),
    "activity_log_contactlog_goals_discussed": _contact("contactlog_id"),
    "activity_log_contactaddendum": _contact("contact_id"),
    "activity_log_milestone": _keys(mentor="t.mentor_id"),
    "activity_log_reminder": REMINDER,
    "activity_log_feedbackrequest": RESIDENT,
    "activity_log_feedbackresponse": _keys(resident="t.resident_id", mentor="t.mentor_id"),
    "activity_log_recoveryassessment": RESIDENT,
    "activity_log_assessmentlink": RESIDENT,
    "activity_log_topic": PROGRAM,
    "activity_log_groupseries": _keys(house="t.house_id"),
    "activity_log_groupseries_facilitator_mentors": PROGRAM,
    "activity_log_groupseries_facilitator_residents": PROGRAM,
    "activity_log_groupseries_facilitator_users": PROGRAM,
    "activity_log_groupsession": _keys(house="t.house_id"),
    "activity_log_groupsession_facilitator_mentors": PROGRAM,
    "activity_log_groupsession_facilitator_residents": PROGRAM,
    "activity_log_groupsession_facilitator_users": PROGRAM,
    "activity_log_attendance": _keys(
        joins=SESSION, resident="t.resident_id", house="s.house_id", mentor="t.mentor_id"
    ),
    "activity_log_attendancesubmission": _keys(joins=SESSION, house="s.house_id"),
}
# Users: the names pages show, and whether an account is active. Not `last_login`, written at
# every sign-in (a column list rules out transition tables: program-wide).
USER_TABLE = "mentoring_site_user"
USER_COLUMNS = "first_name, last_name, email, is_active"


def _triggers() -> tuple[str, str]:
    create, drop = [], []
    for table, keys_sql in WATCHED.items():
        literal = keys_sql.replace("'", "''")
        for event, refs in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            name = f"page_change_{event.lower()}"
            create.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {refs} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION page_change('{literal}');"
            )
            drop.append(f"DROP TRIGGER IF EXISTS {name} ON {table};")
        create.append(
            f"CREATE TRIGGER page_change_truncate AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION page_change_program();"
        )
        drop.append(f"DROP TRIGGER IF EXISTS page_change_truncate ON {table};")
    for name, event in (
        ("page_change_update", f"UPDATE OF {USER_COLUMNS}"),
        ("page_change_delete", "DELETE"),
    ):
        create.append(
            f"CREATE TRIGGER {name} AFTER {event} ON {USER_TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION page_change_program();"
        )
        drop.append(f"DROP TRIGGER IF EXISTS {name} ON {USER_TABLE};")
    return "\n".join(create), "\n".join(drop)


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    schema_editor.execute(_triggers()[0])


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(_triggers()[1])
    schema_editor.execute(
        "DROP FUNCTION IF EXISTS page_change(); DROP FUNCTION IF EXISTS page_change_program();"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("activity_log", "0015_outcome_figures_cache"),
        ("matching", "0005_verbose_names"),
        ("mentors", "0007_verbose_names"),
        ("mentoring_site", "0009_page_change"),
        ("residents", "0008_verbose_names"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
