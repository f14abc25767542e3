#!/bin/bash
# Single-user latency through gunicorn: one sync worker, one client at a time (wrk -c1, 3 s of
# warm-up then 15 s measured), production settings as bench/bench_http.py serves them.
# Prints p50, p99 and req/s for the mentor roster, a suggestions page and the admin dashboard.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentoring_large VAR_DIR=/tmp/var-large \
#       bench/latency_one_client.sh
#
# Loopback only; gunicorn is stopped by its PID. Needs wrk and curl, and the static files
# bench/bench_http.py collects (run it once first).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to the --scale large database}"
PORT=${PORT:-47999}
eval "$(.venv/bin/python - <<'PY'
import os, sys, argparse, shlex
sys.path.insert(0, "bench"); sys.path.insert(0, ".")
from bench_http import server_env, session_cookie
env = server_env(argparse.Namespace(redis_url="redis://127.0.0.1:6379/7"))
os.environ.update(env)
import django; django.setup()
for k in ("DJANGO_SETTINGS_MODULE","DEBUG","SECURE_SSL_REDIRECT","SECRET_KEY","ALLOWED_HOSTS","PYTHONPATH","LOG_LEVEL","CELERY_QUEUE","REDIS_URL","CACHE_KEY_PREFIX"):
    print(f"export {k}={shlex.quote(env[k])}")
print(f"export COOKIE_M={shlex.quote(session_cookie('manager@example.com'))}")
print(f"export COOKIE_A={shlex.quote(session_cookie('admin@example.com'))}")
from matching.selectors import waiting_queue
from mentoring_site.models import User
waiting = (
    waiting_queue(User.objects.get(email="manager@example.com"))
    .exclude(pairings__status__in=["active", "paused"])
    .first()
)  # as bench/bench_pages.py picks it
print(f"export SUGGEST=/matching/residents/{waiting.pk}/suggest/")
PY
)"
.venv/bin/gunicorn mentoring_site.wsgi:application --workers 1 --bind 127.0.0.1:$PORT --no-control-socket --timeout 60 >"${VAR_DIR:-/tmp}/latency-gunicorn.log" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.5; done
curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" || { echo "gunicorn did not answer" >&2; exit 1; }
for p in "/mentors/ $COOKIE_M" "$SUGGEST $COOKIE_M" "/dashboard/ $COOKIE_A"; do
  set -- $p
  wrk -t1 -c1 -d3s -H "Cookie: $2" http://127.0.0.1:$PORT$1 >/dev/null
  echo "$1: $(wrk -t1 -c1 -d15s --latency -H "Cookie: $2" http://127.0.0.1:$PORT$1 | grep -E '^ +(50|99)%|Requests/sec' | tr -s ' ' | tr '\n' ' ')"
done
