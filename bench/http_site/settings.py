"""Settings for bench/bench_http.py only: the site's own settings plus a "floor" URL.

Production-like: DEBUG, SECURE_SSL_REDIRECT and the rest come from the environment the bench
sets (DEBUG=false, plain http on loopback). Static files are collected into the bench's own
folder so the manifest storage works without touching the project's `staticfiles/`.
"""

from mentoring_site.settings import *  # noqa: F403
from mentoring_site.settings import BASE_DIR, TEMPLATES, VAR_DIR

ROOT_URLCONF = "bench.http_site.urls"
STATIC_ROOT = VAR_DIR / "bench-static"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "http_site" / "templates"]
