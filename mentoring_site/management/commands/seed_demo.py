import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from mentoring_site.demo import (
    ACCOUNTS,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    DemoContext,
    create_accounts,
)
from mentoring_site.models import User

SEEDERS = [
    "residents.demo",
    "mentors.demo",
    "matching.demo",
    "activity_log.demo",
    "activity_log.groups.demo",
    "activity_log.feedback.demo",
]


class Command(BaseCommand):
    help = (
        "Create a believable demo data set and print its accounts. Refuses to run with DEBUG off."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["small", "large"], default="small")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (but print the accounts) when the demo accounts already exist.",
        )

    def handle(self, *args, scale: str, if_empty: bool, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo refuses to run with DEBUG off: it is for demos only.")
        if if_empty and User.objects.filter(email=ACCOUNTS[0][0]).exists():
            self.stdout.write("Demo data already present.")
        else:
            ctx = DemoContext(scale=scale)
            with transaction.atomic():
                create_accounts(ctx)
            for module_name in SEEDERS:
                module = importlib.import_module(module_name)
                if hasattr(module, "seed"):
                    module.seed(ctx)
            for line in ctx.log:
                self.stdout.write(line)
        self.print_accounts()

    def print_accounts(self) -> None:
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password: {DEMO_PASSWORD})"))
        for email, _first, _last, group in ACCOUNTS:
            self.stdout.write(f"  {email:<24} {group}")
        self.stdout.write(f"Staff two-factor (TOTP) secret, if asked: {DEMO_TOTP_SECRET}")
