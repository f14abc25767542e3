"""collectstatic for bench/cluster.sh with the production storage, source-map comments left alone.

    DEBUG=false SECRET_KEY=... .venv/bin/python bench/cluster_static.py

The vendored Bootstrap files end with `sourceMappingURL` comments naming .map files that are not
vendored, so `manage.py collectstatic` with DEBUG off fails ("bootstrap.bundle.min.js.map could
not be found"). Until that is fixed in static/vendor, the bench collects with the same storage
minus the source-map rewriting; the web hosts then run the unchanged production settings on the
manifest it writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from whitenoise.storage import CompressedManifestStaticFilesStorage

ROOT = Path(__file__).resolve().parent.parent


class BenchManifestStorage(CompressedManifestStaticFilesStorage):
    patterns = tuple(
        (glob, tuple(p for p in rules if "sourceMappingURL" not in str(p)))
        for glob, rules in CompressedManifestStaticFilesStorage.patterns
    )


def main() -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from cluster_setup import setup_django

    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "cluster_static.BenchManifestStorage"},
    }
    with override_settings(STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=1)


if __name__ == "__main__":
    main()
