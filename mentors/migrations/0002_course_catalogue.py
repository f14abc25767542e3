from decimal import Decimal

from django.db import migrations

COURSES = [
    (
        "Orientation to peer mentoring",
        True,
        "8",
        None,
        "The program, the role of a peer mentor, and how the house works.",
    ),
    (
        "Communication and active listening",
        True,
        "4",
        None,
        "Listening skills, open questions, reflecting back.",
    ),
    (
        "Crisis intervention and de-escalation",
        True,
        "4",
        24,
        "Recognising a crisis, de-escalation, and overdose response with naloxone.",
    ),
    (
        "Motivational interviewing basics",
        True,
        "6",
        None,
        "Supporting change talk without pushing.",
    ),
    (
        "Ethics, boundaries and confidentiality",
        True,
        "3",
        24,
        "Boundaries, dual relationships, confidentiality and when it ends.",
    ),
    (
        "Trauma-informed practice",
        False,
        "3",
        None,
        "How trauma shows up and how to respond safely.",
    ),
]


def seed(apps, schema_editor):
    course = apps.get_model("mentors", "TrainingCourse")
    for name, required, hours, months, description in COURSES:
        course.objects.get_or_create(
            name=name,
            defaults={
                "required": required,
                "hours": Decimal(hours),
                "valid_months": months,
                "description": description,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("mentors", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
