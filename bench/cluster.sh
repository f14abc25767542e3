#!/usr/bin/env bash
# More than one host: two web hosts, two Celery workers and one beat on one PostgreSQL database
# and one Redis, driven by Locust; kills one web host and one worker mid-run, then verifies that
# nothing was lost or sent twice (bench/cluster_check.py). Loopback only; every process it starts
# is stopped by PID when it exits. See docs/performance.md, "More than one host".
#
#   bench/cluster.sh --database-url postgres://postgres@127.0.0.1:5432/mentoring_large_cluster
#
# The database must be a seed_demo database on 127.0.0.1/localhost; bench/cluster_setup.py gives
# the bench accounts the demo password and creates bench managers (see its docstring).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
BIN="$ROOT/.venv/bin"

DATABASE_URL_ARG="postgres://postgres@127.0.0.1:5432/mentoring_perf_cluster"
REDIS_URL_ARG="redis://127.0.0.1:6379/8"
MENTORS=200
MANAGERS=20
RUN_TIME=480          # seconds of Locust load
SPAWN_RATE=2          # users started per second (each signs in once: password hashing is slow)
KILL_WORKER_AFTER=55  # from then on, kill the first worker seen sending ...
KILL_WORKER_WITHIN=185  # ... or, if none is seen sending by then, worker 1 this much later
KILL_WEB_AFTER=180    # kill -9 the second web host this long after the load starts
SCAN_INTERVAL=60
SMTP_DELAY=0.5        # a slow mail server: the sink holds each 250 reply this long
DRAIN=180             # after the load, wait at most this long for owed reminders to go
WEB_WORKERS=2
WEB_THREADS=4
WORKER_CONCURRENCY=2
OUT=""

usage() {
    sed -n '2,10p' "$0"
    cat <<EOF
Options (defaults in brackets):
  --database-url URL      [$DATABASE_URL_ARG]
  --redis-url URL         [$REDIS_URL_ARG]
  --mentors N --managers N            [$MENTORS, $MANAGERS]
  --run-time SECONDS      [$RUN_TIME]   --spawn-rate N [$SPAWN_RATE]
  --kill-worker-after S   [$KILL_WORKER_AFTER]   --kill-worker-within S [$KILL_WORKER_WITHIN]
  --kill-web-after S      [$KILL_WEB_AFTER] (0: no kill, for either)
  --scan-interval S       [$SCAN_INTERVAL]   --smtp-delay S [$SMTP_DELAY]   --drain S [$DRAIN]
  --web-workers N --web-threads N --worker-concurrency N  [$WEB_WORKERS, $WEB_THREADS, $WORKER_CONCURRENCY]
  --out DIR               [bench/results/cluster-<time>]
EOF
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --database-url) DATABASE_URL_ARG="$2"; shift 2 ;;
        --redis-url) REDIS_URL_ARG="$2"; shift 2 ;;
        --mentors) MENTORS="$2"; shift 2 ;;
        --managers) MANAGERS="$2"; shift 2 ;;
        --run-time) RUN_TIME="$2"; shift 2 ;;
        --spawn-rate) SPAWN_RATE="$2"; shift 2 ;;
        --kill-worker-after) KILL_WORKER_AFTER="$2"; shift 2 ;;
        --kill-worker-within) KILL_WORKER_WITHIN="$2"; shift 2 ;;
        --kill-web-after) KILL_WEB_AFTER="$2"; shift 2 ;;
        --scan-interval) SCAN_INTERVAL="$2"; shift 2 ;;
        --smtp-delay) SMTP_DELAY="$2"; shift 2 ;;
        --drain) DRAIN="$2"; shift 2 ;;
        --web-workers) WEB_WORKERS="$2"; shift 2 ;;
        --web-threads) WEB_THREADS="$2"; shift 2 ;;
        --worker-concurrency) WORKER_CONCURRENCY="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done

# Loopback only: refuse a database or a Redis anywhere else before touching anything.
"$PY" -c "
import sys; sys.path.insert(0, '$ROOT/bench')
from cluster_setup import require_local_database
from urllib.parse import urlparse
try:
    require_local_database(sys.argv[1])
except ValueError as exc:
    sys.exit(f'cluster.sh: refusing --database-url: {exc}')
if urlparse(sys.argv[2]).hostname not in {'127.0.0.1', 'localhost'}:
    sys.exit('cluster.sh: refusing --redis-url: not on 127.0.0.1/localhost')
" "$DATABASE_URL_ARG" "$REDIS_URL_ARG"

OUT="${OUT:-$ROOT/bench/results/cluster-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/perf-cluster.XXXXXX)"
RUN_ID="perf-cluster-$(date +%s)-$$"

PIDS=()   # every process started here, stopped by PID on exit
stop_tree() {  # PID...: TERM the process and its children, KILL what is left after 10 s
    local pid targets=()
    for pid in "$@"; do
        kill -0 "$pid" 2>/dev/null || continue
        targets+=("$pid" $(pgrep -P "$pid" || true))
    done
    [[ ${#targets[@]} -eq 0 ]] && return 0
    kill -TERM "${targets[@]}" 2>/dev/null || true
    for _ in $(seq 1 20); do
        local alive=0
        for pid in "${targets[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [[ $alive -eq 0 ]] && return 0
        sleep 0.5
    done
    kill -KILL "${targets[@]}" 2>/dev/null || true
}
cleanup() {
    local code=$?
    trap - EXIT INT TERM
    if [[ ${#PIDS[@]} -gt 0 ]]; then
        # Newest first: Locust, then beat and workers, web hosts, the SMTP sink last.
        for (( i=${#PIDS[@]}-1; i>=0; i-- )); do stop_tree "${PIDS[$i]}"; done
    fi
    # Only this run's keys in the Redis database: its queue, its cache prefix.
    redis-cli -u "$REDIS_URL_ARG" --scan --pattern "*$RUN_ID*" 2>/dev/null \
        | xargs -r redis-cli -u "$REDIS_URL_ARG" del >/dev/null 2>&1 || true
    rm -rf "$TMP"
    exit "$code"
}
trap cleanup EXIT INT TERM

free_port() {  # a TCP port free on every address given
    "$PY" - "$@" <<'EOF'
import socket, sys
for _ in range(50):
    with socket.socket() as probe:
        probe.bind((sys.argv[1], 0))
        port = probe.getsockname()[1]
    try:
        for address in sys.argv[1:]:
            with socket.socket() as s:
                s.bind((address, port))
    except OSError:
        continue
    print(port)
    break
else:
    sys.exit("no free port")
EOF
}

WEB_PORT="$(free_port 127.0.0.2 127.0.0.3)"
SMTP_PORT="$(free_port 127.0.0.1)"
HOSTS=("http://127.0.0.2:$WEB_PORT" "http://127.0.0.3:$WEB_PORT")

export DEBUG=false SECURE_SSL_REDIRECT=false
SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')"
export SECRET_KEY
export ALLOWED_HOSTS="127.0.0.2,127.0.0.3"
export SITE_URL="${HOSTS[0]}"
export DATABASE_URL="$DATABASE_URL_ARG" REDIS_URL="$REDIS_URL_ARG"
export CELERY_QUEUE="$RUN_ID" CACHE_KEY_PREFIX="$RUN_ID"
export EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend"
export EMAIL_HOST=127.0.0.1 EMAIL_PORT="$SMTP_PORT" EMAIL_USE_TLS=false
# Texts (reminders to people who chose them): one file each in the run's folder, never Twilio.
export SMS_BACKEND="mentoring_site.sms.backends.FileBackend" SMS_FILE_PATH="$OUT/sms"
export SCAN_INTERVAL_SECONDS="$SCAN_INTERVAL"
export REMINDER_CLAIM_LEASE_SECONDS="${REMINDER_CLAIM_LEASE_SECONDS:-300}"
export VAR_DIR="$TMP/var" LOG_LEVEL=INFO
mkdir -p "$VAR_DIR"
cd "$ROOT"

log() { echo "[cluster $(date -u +%H:%M:%S)] $*"; }

log "database $(basename "$DATABASE_URL"), redis $REDIS_URL, queue $CELERY_QUEUE, out $OUT"
"$PY" manage.py migrate --noinput >"$OUT/migrate.log"
export STATIC_ROOT="$TMP/static"
"$PY" manage.py collectstatic --noinput >"$OUT/collectstatic.log"
"$PY" bench/cluster_setup.py --mentors "$MENTORS" --managers "$MANAGERS" --out "$OUT/accounts.json"
LEASE="$("$PY" -c "import json,sys; print(int(json.load(open(sys.argv[1]))['lease_seconds']))" "$OUT/accounts.json")"
USERS="$("$PY" -c "import json,sys; print(len(json.load(open(sys.argv[1]))['accounts']))" "$OUT/accounts.json")"

"$PY" bench/cluster_smtp.py --port "$SMTP_PORT" --out "$OUT/sink.jsonl" --delay "$SMTP_DELAY" \
    >"$OUT/smtp.log" 2>&1 &
PIDS+=($!); disown

RUN_START="$(date +%s.%N)"
start_web() {  # NAME ADDRESS
    "$BIN/gunicorn" mentoring_site.wsgi --bind "$2:$WEB_PORT" --no-control-socket \
        --workers "$WEB_WORKERS" --threads "$WEB_THREADS" --worker-class gthread \
        --timeout 60 --graceful-timeout 5 \
        --access-logfile "$OUT/web-$1.access.log" --error-logfile "$OUT/web-$1.log" &
    PIDS+=($!); disown
}
start_web a 127.0.0.2; WEB_A=${PIDS[-1]}
start_web b 127.0.0.3; WEB_B=${PIDS[-1]}
start_worker() {  # N
    "$BIN/celery" -A mentoring_site worker --loglevel INFO --concurrency "$WORKER_CONCURRENCY" \
        -n "$RUN_ID-w$1@%h" >"$OUT/worker-$1.log" 2>&1 &
    PIDS+=($!); disown
}
start_worker 1; WORKER_1=${PIDS[-1]}
start_worker 2; WORKER_2=${PIDS[-1]}
"$BIN/celery" -A mentoring_site beat --loglevel INFO --schedule "$TMP/celerybeat-schedule" \
    >"$OUT/beat.log" 2>&1 &
PIDS+=($!); disown
BEAT=${PIDS[-1]}

for host in "${HOSTS[@]}"; do
    for _ in $(seq 1 60); do
        curl -fsS -o /dev/null "$host/healthz" 2>/dev/null && break
        sleep 1
    done
    curl -fsS "$host/healthz" >/dev/null || { log "$host did not come up"; exit 1; }
done
log "web $WEB_A (${HOSTS[0]}), $WEB_B (${HOSTS[1]}); workers $WORKER_1, $WORKER_2; lease ${LEASE}s"

TICKS=$(getconf CLK_TCK)
declare -A CPU=() CPU0=()
cpu_sample() {  # NAME PID: CPU seconds of the process and its children so far (kept per NAME)
    local total=0 pid
    for pid in "$2" $(pgrep -P "$2" || true); do
        [[ -r /proc/$pid/stat ]] || continue
        total=$(( total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13 + $14 + $15}') ))
    done
    (( total > 0 )) && CPU[$1]=$(awk -v t="$total" -v h="$TICKS" 'BEGIN {printf "%.1f", t / h}')
    [[ -n "${CPU0[$1]:-}" || -z "${CPU[$1]:-}" ]] || CPU0[$1]=${CPU[$1]}  # first sample: start-up
    return 0
}
cpu_all() {
    cpu_sample web-a "$WEB_A"; cpu_sample web-b "$WEB_B"
    cpu_sample worker-1 "$WORKER_1"; cpu_sample worker-2 "$WORKER_2"
    cpu_sample beat "$BEAT"; cpu_sample locust "$LOCUST"
}

LOAD=()
events() {  # writes events.json for cluster_check.py
    "$PY" - "$OUT/events.json" <<EOF
import json, sys
json.dump({
    "run_start": $RUN_START,
    "database": "$(basename "$DATABASE_URL")",
    "hosts": "${HOSTS[*]}".split(),
    "locust_seconds": $RUN_TIME,
    "lease_seconds": $LEASE,
    "web_killed": "${WEB_KILLED:-}",
    "web_killed_at": ${WEB_KILLED_AT:-None},
    "worker_killed": "${WORKER_KILLED:-}",
    "worker_killed_at": ${WORKER_KILLED_AT:-None},
    "load": "${LOAD[*]:-}".split(),
    "cpu_seconds": {$(for k in "${!CPU[@]}"; do printf '"%s": %s, ' "$k" "${CPU[$k]}"; done)},
    "cpu_seconds_at_start": {$(for k in "${!CPU0[@]}"; do printf '"%s": %s, ' "$k" "${CPU0[$k]}"; done)},
}, open(sys.argv[1], "w"), indent=1)
EOF
}

cpu_sample web-a "$WEB_A"; cpu_sample web-b "$WEB_B"; cpu_sample beat "$BEAT"
cpu_sample worker-1 "$WORKER_1"; cpu_sample worker-2 "$WORKER_2"
CLUSTER_HOSTS="$(IFS=,; echo "${HOSTS[*]}")" CLUSTER_ACCOUNTS="$OUT/accounts.json" \
CLUSTER_OUT="$OUT" "$BIN/locust" -f bench/locustfile.py --headless -u "$USERS" -r "$SPAWN_RATE" \
    --run-time "${RUN_TIME}s" --stop-timeout 10 --csv "$OUT/locust" --only-summary \
    --host "${HOSTS[0]}" >"$OUT/locust.log" 2>&1 &
PIDS+=($!); disown
LOCUST=${PIDS[-1]}
LOAD_START=$(date +%s)
log "locust $LOCUST: $USERS users for ${RUN_TIME}s"

kill_tree_now() {  # PID: kill -9 the process and its children at once (a host dying)
    local targets=("$1" $(pgrep -P "$1" || true))
    kill -KILL "${targets[@]}" 2>/dev/null || true
    echo "${targets[*]}"
}

NEXT_LOAD=0
while kill -0 "$LOCUST" 2>/dev/null; do
    ELAPSED=$(( $(date +%s) - LOAD_START ))
    if (( ELAPSED >= NEXT_LOAD )); then
        LOAD+=("$(cut -d' ' -f1 /proc/loadavg)"); NEXT_LOAD=$(( NEXT_LOAD + 30 ))
        cpu_all
    fi
    if [[ -z "${WORKER_KILLED:-}" && $KILL_WORKER_AFTER -gt 0 && $ELAPSED -ge $KILL_WORKER_AFTER ]]; then
        VICTIM="$("$PY" bench/cluster_check.py inflight "$OUT/worker-1.log" "$OUT/worker-2.log")"
        # Sending, and holding claims: the lease take-over is what this kill is for.
        CLAIMED="$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM activity_log_reminder
            WHERE sent_at IS NULL AND failed_at IS NULL AND claimed_until > now()" || echo 0)"
        NOTE="while sending, $CLAIMED reminders claimed"
        [[ "$VICTIM" == 0 || "$CLAIMED" == 0 ]] && VICTIM=""
        if [[ -z "$VICTIM" && $ELAPSED -ge $(( KILL_WORKER_AFTER + KILL_WORKER_WITHIN )) ]]; then
            VICTIM=1; NOTE="idle: no send seen in ${KILL_WORKER_WITHIN} s"
        fi
        if [[ -n "$VICTIM" ]]; then
            [[ $VICTIM == 1 ]] && PID=$WORKER_1 || PID=$WORKER_2
            cpu_all
            WORKER_KILLED_AT="$(date +%s.%N)"
            WORKER_KILLED="worker-$VICTIM ($NOTE) pids $(kill_tree_now "$PID")"
            log "kill -9 $WORKER_KILLED"
        fi
    fi
    if [[ -z "${WEB_KILLED:-}" && $KILL_WEB_AFTER -gt 0 && $ELAPSED -ge $KILL_WEB_AFTER ]]; then
        cpu_all
        WEB_KILLED_AT="$(date +%s.%N)"
        WEB_KILLED="web-b ${HOSTS[1]} pids $(kill_tree_now "$WEB_B")"
        log "kill -9 $WEB_KILLED"
    fi
    if (( ELAPSED > RUN_TIME + 60 )); then log "locust overran; stopping it"; break; fi
    sleep 0.5
done
cpu_all
stop_tree "$LOCUST"
log "load done; load average now $(cut -d' ' -f1-3 /proc/loadavg)"

# Owed reminders (the dead worker's claims among them) go once the lease runs out.
owed() {
    "$PY" - <<'EOF'
import os, sys
sys.path.insert(0, "bench")
from cluster_setup import setup_django
setup_django()
from django.db.models import Q
from django.utils import timezone
from activity_log.models import Reminder
now = timezone.now()
print(Reminder.objects.filter(sent_at__isnull=True, failed_at__isnull=True, send_after__lte=now).count())
EOF
}
DRAIN_END=$(( $(date +%s) + DRAIN ))
while :; do
    LEFT="$(owed)"
    [[ "$LEFT" == 0 ]] && break
    if (( $(date +%s) >= DRAIN_END )); then log "still $LEFT reminders owed after ${DRAIN}s"; break; fi
    log "$LEFT reminders owed; waiting for the surviving worker"
    sleep 15
done
sleep 3  # the last message's 250 reply and the sink's write
cpu_all
events
for (( i=${#PIDS[@]}-1; i>=0; i-- )); do stop_tree "${PIDS[$i]}"; done
PIDS=()
"$PY" bench/cluster_check.py check --out "$OUT"
