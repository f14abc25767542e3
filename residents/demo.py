"""Demo houses and residents for `seed_demo` (see mentoring_site/demo.py)."""

from __future__ import annotations

from mentoring_site.demo import DemoContext
from residents.models import House

HOUSES = [
    ("Maple House", "12 Maple Street, Springfield", "America/New_York", 10, "manager@example.com"),
    ("Cedar House", "48 Cedar Avenue, Springfield", "America/New_York", 8, "manager@example.com"),
    ("Harbor House", "3 Harbor Road, Bayview", "America/Los_Angeles", 12, "manager2@example.com"),
]


def seed(ctx: DemoContext) -> None:
    houses = []
    for name, address, tz, beds, manager_email in HOUSES:
        house, _ = House.objects.get_or_create(
            name=name, defaults={"address": address, "time_zone": tz, "beds": beds}
        )
        house.managers.add(ctx.users[manager_email])
        houses.append(house)
    ctx.data["houses"] = houses
