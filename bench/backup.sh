#!/usr/bin/env bash
# bench/backup.sh — `pdt db backup` of a large SQLite database, and what it
# costs the running server.
#
# Starts pdt (temp SQLite DB, sync off) on a free 127.0.0.1 port, registers a
# user, adds a repository, stops pdt and fills the commits table straight with
# Python's sqlite3 until the file reaches SIZE_MB, restarts pdt, reads the file
# once (page cache warm), then:
#   1. `pdt db backup` alone: wall time, copy and integrity_check times;
#   2. for GET /healthz (a database ping) and GET /api/user/profile (JWT check
#      and a users-table read),
#      wrk --latency for D seconds without a backup, then for D seconds with a
#      backup started at the same moment (D = the backup's time alone, at least
#      MIN_DURATION), side by side: requests/s, p50, p99 and the backup's time.
# Ends with a summary block to paste into a report.
#
# The backups run under `nice -n BACKUP_NICE` (10, as pdt-backup.service runs
# them; BACKUP_NICE=0 for none).
#
# usage: bench/backup.sh          env: SIZE_MB=1024  MIN_DURATION=10  BACKUP_NICE=10
#        BUILD_DIR=build  SKIP_BUILD=1  KEEP_TMP=1  WRK_CONNS=8
# shellcheck disable=SC2317  # cleanup/stop_pdt are reached through traps
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
SIZE_MB=${SIZE_MB:-1024}
MIN_DURATION=${MIN_DURATION:-10}
WRK_CONNS=${WRK_CONNS:-8}
BACKUP_NICE=${BACKUP_NICE:-10}
HEALTH_WAIT_S=60          # start-up migrates and ANALYZEs a large database
STOP_WAIT_S=15

die() { echo "backup.sh: $*" >&2; exit 1; }
log() { echo "--- $*" >&2; }

for tool in wrk curl python3 openssl cmake; do
    command -v "$tool" >/dev/null 2>&1 || die "needs '$tool' on PATH"
done
[[ $SIZE_MB =~ ^[0-9]+$ && $SIZE_MB -gt 0 ]] || die "SIZE_MB must be a positive integer"
[[ $MIN_DURATION =~ ^[0-9]+$ && $MIN_DURATION -gt 0 ]] || die "MIN_DURATION must be positive"
[[ $BACKUP_NICE =~ ^[0-9]+$ && $BACKUP_NICE -le 19 ]] || die "BACKUP_NICE must be 0..19"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pdt-bench-backup.XXXXXX")
cd "$TMP"
PDT_PID=""
BACKUP_PID=""

stop_pdt() {
    local i
    if [[ -z $PDT_PID ]] || ! kill -0 "$PDT_PID" 2>/dev/null; then PDT_PID=""; return 0; fi
    kill -TERM "$PDT_PID" 2>/dev/null || true
    for ((i = 0; i < STOP_WAIT_S * 10; i++)); do
        kill -0 "$PDT_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$PDT_PID" 2>/dev/null || true
    wait "$PDT_PID" 2>/dev/null || true
    PDT_PID=""
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [[ -z $BACKUP_PID ]] || { kill -KILL "$BACKUP_PID" 2>/dev/null || true; wait "$BACKUP_PID" 2>/dev/null || true; }
    stop_pdt
    if [[ ${KEEP_TMP:-0} == 1 ]]; then echo "backup.sh: kept $TMP" >&2; else rm -rf "$TMP"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    [[ -f $BUILD/CMakeCache.txt ]] || cmake -S "$ROOT" -B "$BUILD" >"$TMP/build.log" 2>&1 ||
        { tail -n 30 "$TMP/build.log" >&2; die "cmake configure failed"; }
    log "building pdt"
    cmake --build "$BUILD" --target pdt --parallel "$(nproc)" >>"$TMP/build.log" 2>&1 ||
        { tail -n 30 "$TMP/build.log" >&2; die "build failed"; }
fi
PDT=$BUILD/pdt
[[ -x $PDT ]] || die "no $PDT"

DB=$TMP/pdt.db
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DATABASE_URL=sqlite://$DB SERVER_ADDR=127.0.0.1 SERVER_PORT=$PORT SYNC_ENABLED=false
ENCRYPTION_KEY=$(openssl rand -hex 32)
export JWT_SECRET=bench-$RANDOM$RANDOM ENCRYPTION_KEY LOG_LEVEL=warn
BASE=http://127.0.0.1:$PORT

start_pdt() {
    local i
    "$PDT" serve >>"$TMP/pdt.log" 2>&1 &
    PDT_PID=$!
    for ((i = 0; i < HEALTH_WAIT_S * 10; i++)); do
        kill -0 "$PDT_PID" 2>/dev/null || { tail -n 20 "$TMP/pdt.log" >&2; die "pdt exited"; }
        [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$BASE/healthz" || true) == 200 ]] && return 0
        sleep 0.1
    done
    die "pdt did not answer /healthz within ${HEALTH_WAIT_S}s"
}

json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# ---------------------------------------------------------------- data
start_pdt
TOKEN=$(curl -s --max-time 30 -XPOST "$BASE/api/auth/register" -H 'Content-Type: application/json' \
    -d '{"email":"bench@example.com","password":"correct horse battery"}' | json_field token)
REPO_ID=$(curl -s --max-time 30 -XPOST "$BASE/api/repos" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d '{"url":"https://github.com/acme/big"}' | json_field id)
stop_pdt

log "filling the commits table to ${SIZE_MB} MB"
t0=$(date +%s.%N)
ROWS=$(python3 - "$DB" "$REPO_ID" "$SIZE_MB" <<'EOF'
import hashlib, os, sqlite3, sys, time
db, repo_id, target = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) * 1024 * 1024
conn = sqlite3.connect(db, isolation_level=None)
conn.execute("PRAGMA journal_mode=DELETE")  # one write of each page, not WAL + checkpoint
conn.execute("PRAGMA synchronous=OFF")
conn.execute("PRAGMA cache_size=-262144")
pad = ("Refactor the parser so that it advances a pointer; " * 20)[:900]
now, i, batch = int(time.time()), 0, 20000
while os.path.getsize(db) < target:
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO commits (repo_id, sha, message, author, author_email, branch, date,"
        " jira_card_key, has_link, created_at, user_id) VALUES (?,?,?,?,?,?,?,?,?,?,"
        " (SELECT user_id FROM repositories WHERE id = ?))",
        ((repo_id, hashlib.sha1(b"%d" % n).hexdigest(), "PROJ-%d change %d\n\n%s" % (n % 5000, n, pad),
          "Ada Lovelace", "ada@example.com", "main", now - n, "PROJ-%d" % (n % 5000), 1, now,
          repo_id)
         for n in range(i, i + batch)))
    conn.execute("COMMIT")
    i += batch
conn.execute("PRAGMA journal_mode=WAL")
conn.close()
print(i)
EOF
)
gen_s=$(python3 -c "import time; print(round(time.time() - $t0, 1))")
DB_BYTES=$(stat -c %s "$DB")
log "$ROWS commits, $DB_BYTES bytes (${gen_s}s)"
start_pdt
cat "$DB" >/dev/null   # the page cache holds the database, as on a server that has been running

# ---------------------------------------------------------------- measure
backup_once() { # path -> prints "wall_ms copy_ms check_ms"
    local t0 t1 out
    t0=$(date +%s%N)
    out=$(nice -n "$BACKUP_NICE" "$PDT" db backup "$1")
    t1=$(date +%s%N)
    echo "$(((t1 - t0) / 1000000)) $(sed -n 's/.*copy \([0-9]*\) ms.*/\1/p' <<<"$out") $(sed -n 's/.*ok in \([0-9]*\) ms.*/\1/p' <<<"$out")"
}

log "backup alone"
read -r ALONE_WALL ALONE_COPY ALONE_CHECK < <(backup_once "$TMP/alone.db")
COPY_BYTES=$(stat -c %s "$TMP/alone.db")
rm -f "$TMP/alone.db"
D=$(((ALONE_WALL + 999) / 1000))
((D >= MIN_DURATION)) || D=$MIN_DURATION

wrk_run() { # path -> "rps p50 p99 errors" (errors: non-2xx answers + socket errors)
    wrk -t2 -c"$WRK_CONNS" -d"${D}s" --timeout 30s --latency -H "Authorization: Bearer $TOKEN" \
        "$BASE$1" >"$TMP/wrk.out" 2>&1 || die "wrk failed: $(cat "$TMP/wrk.out")"
    awk '/Requests\/sec/ { rps = $2 } $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
         /Non-2xx/ { err += $NF }
         /Socket errors/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) err += $i }
         END { print rps, p50, p99, err + 0 }' "$TMP/wrk.out"
}

declare -A RES
for ep in /healthz /api/user/profile; do
    log "$ep: ${D}s without a backup"
    RES[$ep.base]=$(wrk_run "$ep")
    log "$ep: ${D}s with a backup started at the same moment"
    rm -f "$TMP/during.db"
    backup_once "$TMP/during.db" >"$TMP/during.times" &
    BACKUP_PID=$!
    RES[$ep.during]=$(wrk_run "$ep")
    wait "$BACKUP_PID" || die "the backup under load failed"
    BACKUP_PID=""
    RES[$ep.backup]=$(cat "$TMP/during.times")
done

cat <<EOF

== bench/backup.sh summary ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ))
database: $ROWS commits, $((DB_BYTES / 1048576)) MiB; copy $((COPY_BYTES / 1048576)) MiB; backups at nice $BACKUP_NICE
backup alone: ${ALONE_WALL} ms wall (copy ${ALONE_COPY} ms, integrity_check ${ALONE_CHECK} ms)
wrk -t2 -c$WRK_CONNS -d${D}s --latency (p50/p99):
EOF
printf '%-22s %-32s %-32s %s\n' endpoint "without: rps p50 p99 errors" "during backup: rps p50 p99 errors" "backup wall/copy/check ms"
for ep in /healthz /api/user/profile; do
    read -r b1 b2 b3 b4 <<<"${RES[$ep.base]}"
    read -r d1 d2 d3 d4 <<<"${RES[$ep.during]}"
    read -r w c k <<<"${RES[$ep.backup]}"
    printf '%-22s %-32s %-32s %s\n' "$ep" "$b1 $b2 $b3 $b4" "$d1 $d2 $d3 $d4" "$w/$c/$k"
done
