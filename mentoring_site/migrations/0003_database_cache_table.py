"""The database cache's table, so `migrate` alone leaves a working site.

Without REDIS_URL the cache (allauth's sign-in rate limits among others) is Django's database
cache; a deployment that ran `migrate` but not `createcachetable` answered 500 on every sign-in.
This runs `createcachetable`, which skips a table that exists and does nothing when no cache is a
database cache (with REDIS_URL set). A site that later drops REDIS_URL runs `createcachetable`
once, as this migration has already run.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("mentoring_site", "0002_roles")]

    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=True),
    ]
