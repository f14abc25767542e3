#!/bin/sh
# The production processes, one place for all of them: the container image runs this (compose.yaml
# picks the subcommand) and CI runs it too (.ci/production-smoke), so what CI checks is what ships.
#   web          apply migrations, then serve with gunicorn on $BIND (default 0.0.0.0:8000) with
#                $WEB_CONCURRENCY workers (default 2 x CPUs + 1)
#   worker       the Celery worker (reminders, alerts)
#   beat         the Celery beat scheduler: run exactly one; its schedule file is in $VAR_DIR
#   healthcheck  exits 0 when /healthz on $BIND answers 200
#   anything else runs as a command (e.g. `python manage.py createsuperuser`)
set -eu

case "${1:-web}" in
  web)
    python manage.py migrate --noinput
    # Exported: gunicorn itself reads WEB_CONCURRENCY and fails on an empty one.
    WEB_CONCURRENCY="${WEB_CONCURRENCY:-$(($(nproc) * 2 + 1))}"
    export WEB_CONCURRENCY
    # --no-control-socket: gunicorn 27's control socket is not needed (and has no home in a sandbox).
    exec gunicorn mentoring_site.wsgi \
      --bind "${BIND:-0.0.0.0:8000}" \
      --workers "$WEB_CONCURRENCY" \
      --no-control-socket
    ;;
  worker)
    exec celery -A mentoring_site worker --loglevel "${LOG_LEVEL:-INFO}"
    ;;
  beat)
    exec celery -A mentoring_site beat --loglevel "${LOG_LEVEL:-INFO}" \
      --schedule "${VAR_DIR:?VAR_DIR must name a writable folder}/celerybeat-schedule"
    ;;
  healthcheck)
    exec python - <<'PY'
import os
import sys
import urllib.request

port = os.environ.get("BIND", "0.0.0.0:8000").rsplit(":", 1)[1]
# Ask as the site's own host name, so ALLOWED_HOSTS lets the request through.
host = os.environ.get("ALLOWED_HOSTS", "").split(",")[0].strip().lstrip(".")
request = urllib.request.Request(
    f"http://127.0.0.1:{port}/healthz", headers={"Host": host if host not in ("", "*") else "localhost"}
)
try:
    with urllib.request.urlopen(request, timeout=5) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy"
    print(f"healthcheck: {exc}", file=sys.stderr)
    sys.exit(1)
PY
    ;;
  *)
    exec "$@"
    ;;
esac
