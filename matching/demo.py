"""Demo data for `seed_demo` (see mentoring_site/demo.py)."""

from mentoring_site.demo import DemoContext


def seed(ctx: DemoContext) -> None:
    """Filled in by the matching issue."""
