from django.db import migrations

LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("zh", "Chinese"),
    ("vi", "Vietnamese"),
    ("tl", "Tagalog"),
    ("ar", "Arabic"),
    ("fr", "French"),
    ("ht", "Haitian Creole"),
    ("ko", "Korean"),
    ("ru", "Russian"),
    ("pt", "Portuguese"),
    ("asl", "American Sign Language"),
]
PATHWAYS = [
    ("12-step", "12-step"),
    ("smart-recovery", "SMART Recovery"),
    ("moud", "Medication for opioid use disorder"),
    ("faith-based", "Faith-based"),
    ("recovery-dharma", "Recovery Dharma"),
    ("other", "Other"),
]


def seed(apps, schema_editor):
    language = apps.get_model("residents", "Language")
    pathway = apps.get_model("residents", "RecoveryPathway")
    for code, name in LANGUAGES:
        language.objects.get_or_create(code=code, defaults={"name": name})
    for slug, name in PATHWAYS:
        pathway.objects.get_or_create(slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("residents", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
