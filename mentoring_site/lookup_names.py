"""The names of the seeded lookups, marked for the catalogue (README "Languages").

Topics, recovery pathways, languages and training courses are rows the migrations seed
(residents 0002, activity_log 0003, mentors 0002), stored in English. Their names are translated
through the catalogue like any other text: each model's `__str__` returns `gettext(name)`, and
templates that print `.name` use the `lookup` filter (`{% load lookups %}`). A name an admin adds
later shows as typed until someone adds it here and to the catalogue (`make messages`).

Why gettext and not a Spanish column: the names are the program's fixed vocabulary, the same
everywhere; their translations then live beside every other string, the catalogue check covers
them, and adding a third language needs no migration and no admin form.
tests/foundation/test_translations.py checks that every seeded name is listed here.
"""

from django.utils.translation import gettext_noop as _

LANGUAGES = [
    _("English"),
    _("Spanish"),
    _("Chinese"),
    _("Vietnamese"),
    _("Tagalog"),
    _("Arabic"),
    _("French"),
    _("Haitian Creole"),
    _("Korean"),
    _("Russian"),
    _("Portuguese"),
    _("American Sign Language"),
]
PATHWAYS = [
    _("12-step"),
    _("SMART Recovery"),
    _("Medication for opioid use disorder"),
    _("Faith-based"),
    _("Recovery Dharma"),
    _("Other"),
]
TOPICS = [
    _("Goal setting"),
    _("Coping strategies"),
    _("Relapse prevention"),
    _("Work or school"),
    _("Housing"),
    _("Family and relationships"),
    _("Health and medication"),
    _("Meetings and community"),
    _("Legal"),
    _("Other"),
]
COURSES = [
    _("Orientation to peer mentoring"),
    _("Communication and active listening"),
    _("Crisis intervention and de-escalation"),
    _("Motivational interviewing basics"),
    _("Ethics, boundaries and confidentiality"),
    _("Trauma-informed practice"),
]
COURSE_DESCRIPTIONS = [
    _("The program, the role of a peer mentor, and how the house works."),
    _("Listening skills, open questions, reflecting back."),
    _("Recognising a crisis, de-escalation, and overdose response with naloxone."),
    _("Supporting change talk without pushing."),
    _("Boundaries, dual relationships, confidentiality and when it ends."),
    _("How trauma shows up and how to respond safely."),
]
ALL = frozenset(LANGUAGES + PATHWAYS + TOPICS + COURSES + COURSE_DESCRIPTIONS)
