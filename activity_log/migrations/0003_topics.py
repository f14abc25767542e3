from django.db import migrations

TOPICS = [
    ("goal-setting", "Goal setting"),
    ("coping", "Coping strategies"),
    ("relapse-prevention", "Relapse prevention"),
    ("work-school", "Work or school"),
    ("housing", "Housing"),
    ("family", "Family and relationships"),
    ("health", "Health and medication"),
    ("meetings", "Meetings and community"),
    ("legal", "Legal"),
    ("other", "Other"),
]


def seed(apps, schema_editor):
    topic = apps.get_model("activity_log", "Topic")
    for position, (slug, name) in enumerate(TOPICS):
        topic.objects.get_or_create(slug=slug, defaults={"name": name, "position": position})


class Migration(migrations.Migration):
    dependencies = [("activity_log", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
