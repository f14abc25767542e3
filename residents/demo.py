"""Demo houses and residents for `seed_demo` (see mentoring_site/demo.py).

Leaves for the later seeders:
- `ctx.data["houses"]`: Maple and Cedar (manager@example.com), Harbor (manager2@example.com).
- `ctx.data["residents"]`: the ~30 hand-written residents of those houses (active ones first).
- with `--scale large`, `ctx.data["large_houses"]`: 40 more houses (no manager; admins see them)
  holding 10,000 more residents, created in bulk.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from django.db import transaction

from mentoring_site.demo import SURNAMES, DemoContext
from residents.models import (
    ConsentRecord,
    House,
    Language,
    RecoveryGoal,
    RecoveryPathway,
    Resident,
)

HOUSES = [
    ("Maple House", "12 Maple Street, Springfield", "America/New_York", 10, "manager@example.com"),
    ("Cedar House", "48 Cedar Avenue, Springfield", "America/New_York", 8, "manager@example.com"),
    ("Harbor House", "3 Harbor Road, Bayview", "America/Los_Angeles", 12, "manager2@example.com"),
]

MAPLE, CEDAR, HARBOR = 0, 1, 2
ACTIVE, GRADUATED, MOVED_OUT, DISCHARGED = (
    Resident.Status.ACTIVE,
    Resident.Status.GRADUATED,
    Resident.Status.MOVED_OUT,
    Resident.Status.DISCHARGED,
)


@dataclass
class Spec:
    preferred: str
    first: str
    last: str
    house: int
    days_in: int  # days since move-in
    status: str = ACTIVE
    exit_days_ago: int | None = None
    exit_reason: str = ""
    gender: str = ""
    languages: list[str] = field(default_factory=lambda: ["en"])
    pathways: list[str] = field(default_factory=list)
    consent: str = "active"  # active / expired / revoked / none
    goals: list[tuple[str, str, str]] = field(default_factory=list)  # category, text, status
    recovery_days: int | None = None
    phone: str = ""


SPECS = [
    # Maple House
    Spec(
        "Mike",
        "Michael",
        "Brennan",
        MAPLE,
        74,
        gender="man",
        pathways=["12-step"],
        recovery_days=80,
        phone="555-201-3381",
        goals=[
            ("employment", "Get hired at the warehouse on Route 9", "open"),
            ("sobriety", "Ninety meetings in ninety days", "achieved"),
            ("legal", "Pay off the remaining court fines", "open"),
        ],
    ),
    Spec(
        "Tony",
        "Antonio",
        "Reyes",
        MAPLE,
        31,
        gender="man",
        languages=["es", "en"],
        pathways=["faith-based"],
        recovery_days=35,
        phone="555-201-4420",
        goals=[
            ("relationships", "Call my daughter every Sunday", "open"),
            ("employment", "Renew my forklift certificate", "open"),
        ],
    ),
    Spec(
        "DJ",
        "Darnell",
        "Jackson",
        MAPLE,
        142,
        pathways=["moud", "12-step"],
        consent="expired",
        recovery_days=150,
        goals=[
            ("health", "Keep every clinic appointment this quarter", "open"),
            ("housing", "Save two months' rent for an apartment", "open"),
        ],
    ),
    Spec(
        "Kevin",
        "Kevin",
        "O'Neill",
        MAPLE,
        12,
        gender="man",
        pathways=["smart-recovery"],
        consent="none",
        recovery_days=14,
    ),
    Spec(
        "Luis",
        "José Luis",
        "Hernández",
        MAPLE,
        58,
        languages=["es"],
        gender="man",
        pathways=["12-step"],
        phone="555-201-9902",
        recovery_days=60,
        goals=[
            ("education", "Enrol in the evening English class", "open"),
            ("employment", "Find steady work in construction", "achieved"),
        ],
    ),
    Spec(
        "Pete",
        "Peter",
        "Kowalski",
        MAPLE,
        201,
        pathways=["12-step"],
        recovery_days=400,
        goals=[
            ("housing", "Move into the sober apartment on Elm Street", "open"),
            ("sobriety", "Six months clean", "achieved"),
        ],
    ),
    Spec(
        "Sam",
        "Samuel",
        "Whitfield",
        MAPLE,
        95,
        pathways=["recovery-dharma"],
        consent="revoked",
        goals=[("health", "Walk every morning before work", "dropped")],
    ),
    Spec(
        "Ray",
        "Raymond",
        "Delgado",
        MAPLE,
        260,
        status=GRADUATED,
        exit_days_ago=20,
        exit_reason="Completed the program; moved into his own apartment.",
        languages=["en", "es"],
        pathways=["12-step"],
        recovery_days=300,
        goals=[
            ("housing", "Sign a lease", "achieved"),
            ("employment", "Full-time job", "achieved"),
        ],
    ),
    Spec(
        "Chris",
        "Christopher",
        "Hale",
        MAPLE,
        120,
        status=MOVED_OUT,
        exit_days_ago=45,
        exit_reason="Moved closer to family in Ohio.",
        pathways=["smart-recovery"],
    ),
    Spec(
        "Andre",
        "Andre",
        "Baptiste",
        MAPLE,
        40,
        languages=["ht", "fr", "en"],
        gender="man",
        pathways=["faith-based"],
        recovery_days=45,
        goals=[("employment", "Get my food handler card", "open")],
    ),
    Spec(
        "Nate",
        "Nathaniel",
        "Greer",
        MAPLE,
        66,
        status=DISCHARGED,
        exit_days_ago=9,
        exit_reason="Left after repeated house-rule violations; referred to outpatient services.",
        pathways=["12-step"],
        consent="expired",
    ),
    # Cedar House
    Spec(
        "Lupe",
        "Guadalupe",
        "Martínez",
        CEDAR,
        48,
        gender="woman",
        languages=["es"],
        pathways=["faith-based", "12-step"],
        recovery_days=50,
        phone="555-310-1284",
        goals=[
            ("relationships", "Rebuild trust with my sister", "open"),
            ("legal", "Finish the custody paperwork", "open"),
        ],
    ),
    Spec(
        "Jess",
        "Jessica",
        "Nguyen",
        CEDAR,
        23,
        gender="woman",
        languages=["en", "vi"],
        pathways=["smart-recovery"],
        recovery_days=25,
        goals=[("education", "Apply to the community college nursing program", "open")],
    ),
    Spec(
        "Tasha",
        "Latasha",
        "Williams",
        CEDAR,
        133,
        gender="woman",
        pathways=["moud"],
        recovery_days=140,
        phone="555-310-7720",
        goals=[
            ("health", "Stay on my medication schedule", "achieved"),
            ("employment", "Get promoted to shift lead", "open"),
        ],
    ),
    Spec(
        "Becca",
        "Rebecca",
        "Stone",
        CEDAR,
        7,
        gender="woman",
        consent="none",
        pathways=["12-step"],
        recovery_days=10,
    ),
    Spec(
        "Mari",
        "Marisol",
        "Ortega",
        CEDAR,
        88,
        gender="woman",
        languages=["es", "en"],
        pathways=["recovery-dharma"],
        consent="revoked",
        recovery_days=95,
        goals=[("housing", "Find a two-bedroom for me and my son", "open")],
    ),
    Spec(
        "Kim",
        "Kimberly",
        "Adams",
        CEDAR,
        177,
        gender="nonbinary",
        pathways=["smart-recovery"],
        recovery_days=190,
        goals=[
            ("education", "Finish the GED", "achieved"),
            ("employment", "Start at the bakery", "open"),
        ],
    ),
    Spec(
        "Rosa",
        "Rosa",
        "Fuentes",
        CEDAR,
        300,
        status=GRADUATED,
        exit_days_ago=60,
        exit_reason="Graduated; moved in with her mother and kept her job.",
        gender="woman",
        languages=["es"],
        pathways=["faith-based"],
        goals=[("sobriety", "One year sober", "achieved")],
    ),
    Spec(
        "Ash",
        "Ashley",
        "Porter",
        CEDAR,
        54,
        status=MOVED_OUT,
        exit_days_ago=12,
        exit_reason="Took a job in another state.",
        gender="woman",
        consent="expired",
    ),
    Spec(
        "Dee",
        "Deirdre",
        "Flanagan",
        CEDAR,
        36,
        gender="woman",
        pathways=["12-step"],
        recovery_days=40,
        goals=[("relationships", "Go to the family support night", "open")],
    ),
    # Harbor House
    Spec(
        "Manny",
        "Manuel",
        "Cruz",
        HARBOR,
        64,
        gender="man",
        languages=["es", "en"],
        pathways=["12-step"],
        recovery_days=70,
        phone="555-420-3310",
        goals=[
            ("employment", "Get my commercial driver's licence", "open"),
            ("legal", "Get my licence reinstated", "achieved"),
        ],
    ),
    Spec(
        "Jay",
        "Jamal",
        "Turner",
        HARBOR,
        19,
        pathways=["smart-recovery"],
        recovery_days=21,
        goals=[("health", "See a dentist", "open")],
    ),
    Spec(
        "Bobby",
        "Robert",
        "Lee",
        HARBOR,
        110,
        gender="man",
        languages=["en", "ko"],
        pathways=["recovery-dharma"],
        recovery_days=115,
        goals=[("education", "Finish the welding course", "open")],
    ),
    Spec(
        "Danny",
        "Daniel",
        "Okafor",
        HARBOR,
        150,
        pathways=["moud"],
        consent="expired",
        recovery_days=160,
        goals=[
            ("housing", "Get on the housing authority list", "achieved"),
            ("employment", "Work 30 hours a week", "open"),
        ],
    ),
    Spec(
        "Teo",
        "Teodoro",
        "Santos",
        HARBOR,
        43,
        languages=["tl", "en"],
        pathways=["faith-based"],
        recovery_days=45,
        goals=[("relationships", "Visit my kids twice a month", "open")],
    ),
    Spec(
        "Will",
        "William",
        "Harper",
        HARBOR,
        5,
        consent="none",
        pathways=["12-step"],
        recovery_days=6,
    ),
    Spec(
        "Carlos",
        "Carlos",
        "Ramírez",
        HARBOR,
        82,
        gender="man",
        languages=["es"],
        pathways=["12-step", "faith-based"],
        consent="revoked",
        recovery_days=85,
        goals=[("employment", "Keep the landscaping job through winter", "open")],
    ),
    Spec(
        "Eddie",
        "Edward",
        "Novak",
        HARBOR,
        71,
        pathways=["smart-recovery"],
        recovery_days=75,
        goals=[
            ("sobriety", "Build a daily meeting routine", "open"),
            ("other", "Get a state ID card", "achieved"),
        ],
    ),
    Spec(
        "Vic",
        "Victor",
        "Moreno",
        HARBOR,
        240,
        status=GRADUATED,
        exit_days_ago=30,
        exit_reason="Graduated to an independent sober living apartment.",
        languages=["es", "en"],
        pathways=["12-step"],
        goals=[("housing", "Move into independent housing", "achieved")],
    ),
    Spec(
        "Terrell",
        "Terrell",
        "Brooks",
        HARBOR,
        90,
        status=DISCHARGED,
        exit_days_ago=4,
        exit_reason="Discharged after a return to use; referred to detox with a bed held.",
        pathways=["moud"],
        consent="expired",
    ),
]


def seed(ctx: DemoContext) -> None:
    houses = []
    with transaction.atomic():
        for name, address, tz, beds, manager_email in HOUSES:
            house, _ = House.objects.get_or_create(
                name=name, defaults={"address": address, "time_zone": tz, "beds": beds}
            )
            house.managers.add(ctx.users[manager_email])
            houses.append(house)
        ctx.data["houses"] = houses
        residents = list(Resident.objects.filter(house__in=houses).select_related("house"))
        if not residents:
            residents = [_create(ctx, spec, houses) for spec in SPECS]
        residents.sort(key=lambda r: (not r.is_active, r.pk))
        ctx.data["residents"] = residents
    active = sum(r.is_active for r in residents)
    ctx.log.append(f"Residents: {len(residents)} in 3 houses ({active} active).")
    if ctx.large:
        _seed_large(ctx)


def _create(ctx: DemoContext, spec: Spec, houses: list[House]) -> Resident:
    today = ctx.today
    rng = ctx.rng
    move_in = today - dt.timedelta(days=spec.days_in)
    resident = Resident.objects.create(
        preferred_name=spec.preferred,
        first_name=spec.first,
        last_name=spec.last,
        house=houses[spec.house],
        status=spec.status,
        move_in_date=move_in,
        exit_date=today - dt.timedelta(days=spec.exit_days_ago) if spec.exit_days_ago else None,
        exit_reason=spec.exit_reason,
        recovery_start_date=(
            today - dt.timedelta(days=spec.recovery_days) if spec.recovery_days else None
        ),
        birth_year=today.year - rng.randint(21, 58),
        phone=spec.phone,
        preferred_mentor_gender=spec.gender,
        created_by=ctx.users[HOUSES[spec.house][4]],
    )
    resident.languages.set(Language.objects.filter(code__in=spec.languages))
    resident.pathways.set(RecoveryPathway.objects.filter(slug__in=spec.pathways))
    manager = ctx.users[HOUSES[spec.house][4]]
    granted = move_in + dt.timedelta(days=rng.randint(0, 3))
    if spec.consent == "active":
        ConsentRecord.objects.create(
            resident=resident,
            granted_on=granted,
            expires_on=granted + dt.timedelta(days=365),
            shares_contact_details=rng.random() < 0.85,
            note="Signed the mentoring consent form at intake.",
            recorded_by=manager,
        )
    elif spec.consent == "expired":
        ConsentRecord.objects.create(
            resident=resident,
            granted_on=granted,
            expires_on=min(granted + dt.timedelta(days=90), today - dt.timedelta(days=3)),
            note="Ninety-day consent; not renewed yet.",
            recorded_by=manager,
        )
    elif spec.consent == "revoked":
        ConsentRecord.objects.create(
            resident=resident,
            granted_on=granted,
            expires_on=granted + dt.timedelta(days=365),
            revoked_on=min(granted + dt.timedelta(days=20), today),
            note="Asked to stop sharing details with a mentor for now.",
            recorded_by=manager,
        )
    for category, text, status in spec.goals:
        closed = None
        if status != "open":
            closed = min(move_in + dt.timedelta(days=rng.randint(10, 60)), today)
            if spec.exit_days_ago:
                closed = min(closed, today - dt.timedelta(days=spec.exit_days_ago))
        RecoveryGoal.objects.create(
            resident=resident,
            category=category,
            text=text,
            status=status,
            closed_on=closed,
            target_date=move_in + dt.timedelta(days=rng.choice((60, 90, 120, 180))),
        )
    return resident


# --- --scale large: bulk rows for benchmarks ----------------------------------------------------

LARGE_HOUSES = 40
LARGE_RESIDENTS = 10_000
BATCH = 2_000
STREETS = [
    "Oak",
    "Pine",
    "Birch",
    "Willow",
    "Aspen",
    "Elm",
    "Spruce",
    "Hawthorn",
    "Juniper",
    "Linden",
    "Magnolia",
    "Poplar",
    "Sycamore",
    "Alder",
    "Chestnut",
    "Cypress",
    "Dogwood",
    "Hazel",
    "Laurel",
    "Redwood",
    "Rowan",
    "Sequoia",
    "Walnut",
    "Beech",
    "Hickory",
    "Holly",
    "Ivy",
    "Sage",
    "Cherry",
    "Orchard",
    "Meadow",
    "River",
    "Lakeside",
    "Hillcrest",
    "Sunrise",
    "Brookside",
    "Highland",
    "Prospect",
    "Fairview",
    "Summit",
]
FIRST = [
    "James",
    "Maria",
    "Robert",
    "Linda",
    "Carlos",
    "Ana",
    "David",
    "Jennifer",
    "Luis",
    "Sarah",
    "Michael",
    "Rosa",
    "Kevin",
    "Tanya",
    "Marcus",
    "Elena",
    "Brian",
    "Keisha",
    "Jorge",
    "Megan",
    "Andre",
    "Sofia",
    "Tyler",
    "Brittany",
    "Hector",
    "Crystal",
    "Derek",
    "Yolanda",
    "Sean",
    "Amber",
]
GOAL_TEXTS = {
    "sobriety": "Go to five meetings a week",
    "employment": "Find a full-time job",
    "housing": "Save for a deposit",
    "health": "Keep every doctor's appointment",
    "relationships": "Reconnect with family",
    "education": "Finish the GED",
    "legal": "Clear the outstanding warrant",
    "other": "Get a state ID",
}


def _seed_large(ctx: DemoContext) -> None:
    started = time.monotonic()
    rng, today = ctx.rng, ctx.today
    names = [f"{street} House" for street in STREETS[:LARGE_HOUSES]]
    existing = {h.name: h for h in House.objects.filter(name__in=names)}
    House.objects.bulk_create(
        [
            House(
                name=name,
                address=f"{rng.randint(1, 999)} {name.split()[0]} Street",
                time_zone=rng.choice(
                    ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
                ),
                beds=rng.randint(6, 16),
            )
            for name in names
            if name not in existing
        ]
    )
    large_houses = list(House.objects.filter(name__in=names))
    ctx.data["large_houses"] = large_houses
    have = Resident.objects.filter(house__in=large_houses).count()
    to_make = max(LARGE_RESIDENTS - have, 0)
    language_ids = dict(Language.objects.values_list("code", "id"))
    pathway_ids = list(RecoveryPathway.objects.values_list("id", flat=True))
    statuses = [ACTIVE] * 6 + [GRADUATED] * 2 + [MOVED_OUT, DISCHARGED]
    categories = list(GOAL_TEXTS)
    made = 0
    while made < to_make:
        size = min(BATCH, to_make - made)
        with transaction.atomic():
            rows = []
            for _ in range(size):
                first = rng.choice(FIRST)
                status = rng.choice(statuses)
                move_in = today - dt.timedelta(days=rng.randint(1, 900))
                exit_date = None
                if status != ACTIVE:
                    exit_date = min(move_in + dt.timedelta(days=rng.randint(20, 400)), today)
                rows.append(
                    Resident(
                        preferred_name=first,
                        first_name=first,
                        last_name=rng.choice(SURNAMES),
                        house=rng.choice(large_houses),
                        status=status,
                        move_in_date=move_in,
                        exit_date=exit_date,
                        exit_reason="Left the program." if exit_date else "",
                        birth_year=today.year - rng.randint(19, 65),
                        preferred_mentor_gender=rng.choice(["", "", "", "woman", "man"]),
                    )
                )
            created = Resident.objects.bulk_create(rows)
            goals, consents, langs, paths = [], [], [], []
            for r in created:
                for category in rng.sample(categories, rng.randint(1, 3)):
                    status = rng.choice(["open", "open", "achieved", "dropped"])
                    goals.append(
                        RecoveryGoal(
                            resident_id=r.pk,
                            category=category,
                            text=GOAL_TEXTS[category],
                            status=status,
                            closed_on=(r.exit_date or today) if status != "open" else None,
                        )
                    )
                if rng.random() < 0.8:
                    consents.append(
                        ConsentRecord(
                            resident_id=r.pk,
                            granted_on=r.move_in_date,
                            expires_on=r.move_in_date + dt.timedelta(days=365),
                        )
                    )
                langs.append(
                    Resident.languages.through(resident_id=r.pk, language_id=language_ids["en"])
                )
                if rng.random() < 0.2:
                    langs.append(
                        Resident.languages.through(resident_id=r.pk, language_id=language_ids["es"])
                    )
                paths.append(
                    Resident.pathways.through(
                        resident_id=r.pk, recoverypathway_id=rng.choice(pathway_ids)
                    )
                )
            RecoveryGoal.objects.bulk_create(goals, batch_size=BATCH)
            ConsentRecord.objects.bulk_create(consents, batch_size=BATCH)
            Resident.languages.through.objects.bulk_create(langs, batch_size=BATCH)
            Resident.pathways.through.objects.bulk_create(paths, batch_size=BATCH)
        made += size
    ctx.log.append(
        f"Large: {LARGE_RESIDENTS} residents in {len(large_houses)} more houses "
        f"({made} created in {time.monotonic() - started:.1f} s)."
    )
