"""`manage.py compile_catalogue`: every locale/<code>/LC_MESSAGES/*.po compiled to its .mo with
polib, so make run, make test and the image need no GNU gettext (README "Languages").

Like msgfmt (and Django's compilemessages), untranslated and fuzzy entries are left out: those
strings show in English. The .mo files are build output, not committed (.gitignore).
"""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


def catalogues() -> list[Path]:
    return sorted(
        po for base in settings.LOCALE_PATHS for po in Path(base).glob("*/LC_MESSAGES/*.po")
    )


def compile_catalogue(po_path: Path) -> Path:
    mo_path = po_path.with_suffix(".mo")
    polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
    return mo_path


class Command(BaseCommand):
    help = "Compile the translation catalogues (locale/*/LC_MESSAGES/*.po) to .mo files."

    def handle(self, *args, **options) -> None:
        for po_path in catalogues():
            mo_path = compile_catalogue(po_path)
            self.stdout.write(f"compiled {mo_path.relative_to(settings.BASE_DIR)}")
