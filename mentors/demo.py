"""Demo mentors for `seed_demo` (see mentoring_site/demo.py): a dozen people in every state.

Leaves `ctx.data["mentors"]` (every mentor created, the dozen first) and
`ctx.data["cleared_mentors"]` (those cleared to mentor today) for the matching seeder.
With `--scale large`, 2,000 more mentors are bulk-created with their training.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.contrib.auth.models import Group
from django.db import transaction

from mentoring_site.demo import DEMO_PASSWORD, SURNAMES, DemoContext
from mentoring_site.models import User
from mentoring_site.roles import MENTOR_GROUP
from mentors.models import Mentor, MentorStatusChange, TrainingCourse, TrainingRecord
from residents.models import House, Language, RecoveryPathway

ORIENTATION = "Orientation to peer mentoring"
LISTENING = "Communication and active listening"
CRISIS = "Crisis intervention and de-escalation"
MI = "Motivational interviewing basics"
ETHICS = "Ethics, boundaries and confidentiality"
TRAUMA = "Trauma-informed practice"
REQUIRED = [ORIENTATION, LISTENING, CRISIS, MI, ETHICS]

S = Mentor.Status


@dataclass
class DemoMentor:
    email: str
    first: str
    last: str
    status: str
    recovery_days: int  # days in recovery as of today
    languages: list[str]
    pathways: list[str]
    houses: list[str] | None  # None: serves every house
    gender: str
    bio: str
    # course name -> days ago it was completed
    training: dict[str, int] = field(default_factory=dict)
    capacity: int = 3
    phone: str = ""


def _full(days_ago: int, **overrides: int) -> dict[str, int]:
    done = dict.fromkeys(REQUIRED, days_ago)
    done.update(overrides)
    return done


# fmt: off
DEMO_MENTORS = [
    DemoMentor(
        "mentor@example.com", "Sam", "Okafor", S.ACTIVE, 6 * 365 + 40, ["en", "es"],
        ["12-step", "faith-based"], ["Maple House", "Cedar House"], "man",
        "Six years sober after a decade of drinking. I lived in Maple House myself.",
        _full(400, **{CRISIS: 120, ETHICS: 120, TRAUMA: 90}), phone="(555) 010-2231",
        capacity=4,  # three demo mentees and a free place: admit, pair and log with this account
    ),
    DemoMentor(
        "mentor2@example.com", "Jordan", "Kim", S.ACTIVE, 4 * 365 + 200, ["en", "ko"],
        ["smart-recovery"], None, "nonbinary",
        "In recovery from opioids since 2022; SMART Recovery facilitator.",
        _full(300, **{CRISIS: 60}), phone="(555) 010-4410",
    ),
    DemoMentor(
        "alicia.moreno@example.com", "Alicia", "Moreno", S.ACTIVE, 8 * 365, ["en", "es"],
        ["moud"], ["Harbor House"], "woman",
        "On methadone maintenance for eight years; now a peer recovery coach.",
        _full(200),
    ),
    DemoMentor(
        "marcus.bell@example.com", "Marcus", "Bell", S.ACTIVE, 12 * 365, ["en"],
        ["12-step"], None, "man",
        "Twelve years clean. Veteran. Likes fishing and long walks.",
        _full(500, **{CRISIS: 200, ETHICS: 200, TRAUMA: 150}), capacity=2,
    ),
    DemoMentor(
        "priya.natarajan@example.com", "Priya", "Natarajan", S.ACTIVE, 3 * 365 + 100, ["en"],
        ["recovery-dharma"], ["Maple House"], "woman",
        "Meditation and Recovery Dharma helped me stay sober through grad school.",
        # Ethics runs out in about 40 days: shows under "expiring soon".
        _full(600, **{ETHICS: 24 * 30 + 10 - 40, CRISIS: 150}),
    ),
    DemoMentor(
        "denise.walker@example.com", "Denise", "Walker", S.ACTIVE, 9 * 365, ["en"],
        ["12-step"], ["Cedar House"], "woman",
        "Mother of three, nine years in recovery.",
        # Crisis intervention done 26 months ago: expired about two months ago.
        _full(800, **{CRISIS: 26 * 30 + 12, ETHICS: 300}),
    ),
    DemoMentor(
        "tomas.reyes@example.com", "Tomás", "Reyes", S.IN_TRAINING, 2 * 365 + 30, ["es", "en"],
        ["faith-based"], ["Harbor House"], "man",
        "Two years sober; my church group pointed me here.",
        {ORIENTATION: 20, LISTENING: 6},
    ),
    DemoMentor(
        "luis.ortega@example.com", "Luis", "Ortega", S.IN_TRAINING, 5 * 365, ["es", "pt"],
        ["moud"], None, "man",
        "Buprenorphine saved my life. Happy to talk about MOUD with anyone.",
        {ORIENTATION: 45, LISTENING: 30, MI: 12},
    ),
    DemoMentor(
        "keisha.johnson@example.com", "Keisha", "Johnson", S.APPLICANT, 2 * 365 + 150, ["en"],
        ["moud", "12-step"], [], "woman",
        "Applied after her own house graduation last spring.",
    ),
    DemoMentor(
        "grace.lin@example.com", "Grace", "Lin", S.ON_BREAK, 7 * 365, ["en", "zh"],
        ["smart-recovery"], None, "woman",
        "Taking a few months off for a new baby.",
        _full(250),
    ),
    DemoMentor(
        "robert.haines@example.com", "Robert", "Haines", S.RETIRED, 20 * 365, ["en"],
        ["12-step"], ["Maple House"], "man",
        "Mentored here for six years before moving to Arizona.",
        _full(1400),
    ),
    DemoMentor(
        "kevin.obrien@example.com", "Kevin", "O'Brien", S.ACTIVE, 240, ["en"],
        ["smart-recovery"], ["Cedar House"], "man",
        "Eight months sober and keen to give back; trained already.",
        _full(60),
    ),
    DemoMentor(
        "nadia.haddad@example.com", "Nadia", "Haddad", S.ACTIVE, 5 * 365 + 77, ["ar", "fr", "en"],
        ["smart-recovery"], ["Harbor House"], "woman",
        "Five years in recovery; interpreter by day.",
        _full(365, **{TRAUMA: 100}),
    ),
]
# fmt: on

# Status path each demo mentor walked, with believable reasons (oldest first).
HISTORY = {
    S.IN_TRAINING: [(S.APPLICANT, S.IN_TRAINING, "References checked; booked on orientation.")],
    S.ACTIVE: [
        (S.APPLICANT, S.IN_TRAINING, "References checked; booked on orientation."),
        (S.IN_TRAINING, S.ACTIVE, "Finished the required courses."),
    ],
    S.ON_BREAK: [
        (S.APPLICANT, S.IN_TRAINING, "References checked; booked on orientation."),
        (S.IN_TRAINING, S.ACTIVE, "Finished the required courses."),
        (S.ACTIVE, S.ON_BREAK, "Family leave for a few months."),
    ],
    S.RETIRED: [
        (S.APPLICANT, S.IN_TRAINING, "References checked; booked on orientation."),
        (S.IN_TRAINING, S.ACTIVE, "Finished the required courses."),
        (S.ACTIVE, S.RETIRED, "Moved out of state."),
    ],
}


def seed(ctx: DemoContext) -> None:
    houses = {h.name: h for h in (ctx.data.get("houses") or House.objects.all())}
    languages = {lang.code: lang for lang in Language.objects.all()}
    pathways = {p.slug: p for p in RecoveryPathway.objects.all()}
    courses = {c.name: c for c in TrainingCourse.objects.all()}
    admin = ctx.users.get("admin@example.com")
    group = Group.objects.get(name=MENTOR_GROUP)
    # The extra demo mentors share the demo password: reuse an account's hash (hashing is slow).
    demo_user = ctx.users.get("mentor@example.com")
    password = demo_user.password if demo_user else make_password(DEMO_PASSWORD)

    created: list[Mentor] = []
    with transaction.atomic():
        for spec in DEMO_MENTORS:
            mentor = _seed_one(
                ctx, spec, houses, languages, pathways, courses, admin, group, password
            )
            created.append(mentor)
    if ctx.large:
        created.extend(_seed_large(ctx, courses, languages, pathways, houses, group))
    cleared_ids = set(Mentor.objects.cleared(ctx.today).values_list("pk", flat=True))
    ctx.data["mentors"] = created
    ctx.data["cleared_mentors"] = [m for m in created if m.pk in cleared_ids]
    ctx.log.append(
        f"Mentors: {len(created)} ({len(ctx.data['cleared_mentors'])} cleared). The extra demo "
        "mentors (e.g. tomas.reyes@example.com, in training) also use the demo password."
    )


def _seed_one(ctx, spec, houses, languages, pathways, courses, admin, group, password) -> Mentor:
    user = ctx.users.get(spec.email)
    if user is None:
        user, made = User.objects.get_or_create(
            email=spec.email,
            defaults={"first_name": spec.first, "last_name": spec.last, "password": password},
        )
        user.groups.add(group)
    mentor, made = Mentor.objects.get_or_create(
        user=user,
        defaults={
            "status": spec.status,
            "recovery_since": ctx.today - dt.timedelta(days=spec.recovery_days),
            "bio": spec.bio,
            "phone": spec.phone,
            "gender": spec.gender,
            "serves_all_houses": spec.houses is None,
            "capacity": spec.capacity,
        },
    )
    if not made:
        return mentor
    mentor.languages.set([languages[c] for c in spec.languages if c in languages])
    mentor.pathways.set([pathways[s] for s in spec.pathways if s in pathways])
    mentor.houses.set([houses[n] for n in spec.houses or [] if n in houses])
    records = []
    for name, days_ago in spec.training.items():
        course = courses[name]
        on = ctx.today - dt.timedelta(days=days_ago)
        records.append(
            TrainingRecord(
                mentor=mentor,
                course=course,
                completed_on=on,
                expires_on=course.expiry_for(on),
                hours=course.hours,
                recorded_by=admin,
            )
        )
    TrainingRecord.objects.bulk_create(records)
    steps = HISTORY.get(spec.status, [])
    first_training = max(spec.training.values(), default=30) + 10
    for i, (before, after, reason) in enumerate(steps):
        # Retiring turns sign-in off (mentors.services.mentor_change_status does the same).
        account = MentorStatusChange.Account.DEACTIVATED if after == S.RETIRED else ""
        change = MentorStatusChange.objects.create(
            mentor=mentor,
            from_status=before,
            to_status=after,
            reason=reason,
            changed_by=admin,
            account=account,
        )
        # Spread the history over the time since they started training.
        days_ago = max(1, first_training - i * max(1, first_training // (len(steps) + 1)))
        when = ctx.now - dt.timedelta(days=days_ago)
        MentorStatusChange.objects.filter(pk=change.pk).update(changed_at=when)
        mentor.status_changed_on = when.date()
    mentor.save(update_fields=["status_changed_on"])
    if spec.status == S.RETIRED:
        User.objects.filter(pk=user.pk).update(is_active=False)
    return mentor


# --- Large scale: bulk inserts only --------------------------------------------------------------

FIRST_NAMES = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Chris",
    "Lisa",
    "Daniel",
    "Nancy",
    "Matthew",
    "Betty",
    "Anthony",
    "Sandra",
    "Mark",
    "Ashley",
    "Donald",
    "Kimberly",
    "Steven",
    "Emily",
    "Andrew",
    "Donna",
    "Paul",
    "Michelle",
    "Joshua",
    "Carol",
    "Kevin",
    "Amanda",
    "Brian",
    "Melissa",
    "George",
    "Deborah",
    "Tim",
    "Rebecca",
    "Ronald",
    "Laura",
    "Jason",
    "Maria",
    "Jose",
    "Ana",
    "Luis",
    "Rosa",
    "Wei",
    "Mei",
    "Minh",
    "Linh",
    "Ahmed",
    "Fatima",
    "Omar",
    "Aisha",
    "Jamal",
    "Keisha",
    "Andre",
    "Tanya",
    "Malik",
    "Imani",
]
LARGE_COUNT = 2000
BATCH = 1000


def _seed_large(ctx, courses, languages, pathways, houses, group) -> list[Mentor]:
    rng = ctx.rng
    start = User.objects.filter(email__startswith="mentor.bulk.").count()
    if start >= LARGE_COUNT:
        return []
    users = []
    for i in range(start, LARGE_COUNT):
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        users.append(
            User(
                email=f"mentor.bulk.{i:04d}.{first}.{last}@example.com".lower(),
                first_name=first,
                last_name=last,
                # Unusable (the "!" prefix, as set_unusable_password() does, minus its cost).
                password=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30),
            )
        )
    required = [courses[n] for n in REQUIRED]
    lang_list, path_list, house_list = (
        list(languages.values()),
        list(pathways.values()),
        list(houses.values()),
    )
    english = languages.get("en")
    weights = [
        (S.ACTIVE, 78),
        (S.IN_TRAINING, 8),
        (S.APPLICANT, 5),
        (S.ON_BREAK, 5),
        (S.RETIRED, 4),
    ]
    statuses = [s for s, _ in weights]
    status_weights = [w for _, w in weights]
    created: list[Mentor] = []
    with transaction.atomic():
        for offset in range(0, len(users), BATCH):
            chunk = User.objects.bulk_create(users[offset : offset + BATCH])
            User.groups.through.objects.bulk_create(
                [User.groups.through(user_id=u.pk, group_id=group.pk) for u in chunk]
            )
            mentors = [
                Mentor(
                    user=u,
                    status=rng.choices(statuses, status_weights)[0],
                    status_changed_on=ctx.today - dt.timedelta(days=rng.randint(10, 900)),
                    recovery_since=ctx.today - dt.timedelta(days=rng.randint(200, 25 * 365)),
                    serves_all_houses=rng.random() < 0.3,
                    capacity=rng.choice([2, 3, 3, 3, 4, 5]),
                    gender=rng.choice(["woman", "man", "woman", "man", "nonbinary", ""]),
                )
                for u in chunk
            ]
            Mentor.objects.bulk_create(mentors)
            retired = [m.user_id for m in mentors if m.status == S.RETIRED]
            User.objects.filter(pk__in=retired).update(is_active=False)
            lang_rows, path_rows, house_rows, records = [], [], [], []
            for m in mentors:
                spoken = {english} if english else set()
                if rng.random() < 0.3:
                    spoken.add(rng.choice(lang_list))
                lang_rows += [
                    Mentor.languages.through(mentor_id=m.pk, language_id=x.pk) for x in spoken
                ]
                path_rows.append(
                    Mentor.pathways.through(
                        mentor_id=m.pk, recoverypathway_id=rng.choice(path_list).pk
                    )
                )
                if not m.serves_all_houses and house_list:
                    house_rows.append(
                        Mentor.houses.through(mentor_id=m.pk, house_id=rng.choice(house_list).pk)
                    )
                records += _large_training(ctx, m, required, courses[TRAUMA])
            Mentor.languages.through.objects.bulk_create(lang_rows)
            Mentor.pathways.through.objects.bulk_create(path_rows)
            Mentor.houses.through.objects.bulk_create(house_rows)
            TrainingRecord.objects.bulk_create(records, batch_size=BATCH)
            created.extend(mentors)
    return created


def _large_training(ctx, mentor: Mentor, required, optional) -> list[TrainingRecord]:
    rng = ctx.rng
    if mentor.status == S.APPLICANT:
        taken = []
    elif mentor.status == S.IN_TRAINING:
        taken = required[: rng.randint(1, len(required) - 1)]
    else:
        taken = list(required)
    if rng.random() < 0.25:
        taken.append(optional)
    records = []
    for course in taken:
        # Mostly recent; about one in twelve is old enough for a 24-month course to have lapsed.
        on = ctx.today - dt.timedelta(days=rng.randint(5, 700 if rng.random() < 0.92 else 900))
        records.append(
            TrainingRecord(
                mentor_id=mentor.pk,
                course_id=course.pk,
                completed_on=on,
                expires_on=course.expiry_for(on),
                hours=course.hours,
            )
        )
    return records
