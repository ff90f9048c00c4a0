#!/usr/bin/env bash
# bench/api.sh — pdt's HTTP throughput against the ceiling: the bare h2o
# server (bench/httplibs/h2o.c), the library pdt's HTTP layer uses.
#
# Starts pdt (temp SQLite DB, sync off) and bench_ceiling on free 127.0.0.1
# ports, registers a user, adds a repository, seeds 10,000 commits, then runs
# wrk against: the ceiling (GET /), pdt GET /healthz, GET /api/user/profile and
# GET /api/commits (all 10,000, authenticated). Runs are interleaved
# (ceiling, pdt routes..., ceiling) and the ratio uses the mean of the two
# ceiling runs, because a 2-core machine is noisy. Ends with pdt's peak RSS
# (VmHWM) and a summary block to paste into a report.
#
# usage: bench/api.sh            (from anywhere; builds pdt + bench_ceiling)
# env:   DURATION=10   seconds per measured wrk run
#        WARMUP=1      seconds of unmeasured warm-up per target (0 = none)
#        COMMITS=10000 commits seeded
#        WRK_TIMEOUT=30s  wrk per-request timeout (its 2s default would drop
#                      slow /api/commits responses from the latency histogram)
#        HTTP_THREADS  passed to pdt and bench_ceiling when set (default 8)
#        BUILD_DIR=build   SKIP_BUILD=1 (use existing binaries)   KEEP_TMP=1
# shellcheck disable=SC2317  # cleanup/stop_pid are reached through traps
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-1}
COMMITS=${COMMITS:-10000}
WRK_TIMEOUT=${WRK_TIMEOUT:-30s}
WRK_THREADS=2
WRK_CONNS=32
HEALTH_WAIT_S=20          # bounded wait for a server to answer
STOP_WAIT_S=15            # bounded wait for a server to exit after SIGTERM
IDLE_WAIT_S=30            # bounded wait for the servers to drain between runs
IDLE_LAST=0

die() { echo "api.sh: $*" >&2; exit 1; }
log() { echo "--- $*" >&2; }

for tool in wrk curl python3 openssl cmake; do
    command -v "$tool" >/dev/null 2>&1 || die "needs '$tool' on PATH"
done
[[ $DURATION =~ ^[0-9]+$ && $DURATION -gt 0 ]] || die "DURATION must be a positive integer (seconds)"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "WARMUP must be a non-negative integer (seconds)"
[[ $COMMITS =~ ^[0-9]+$ && $COMMITS -gt 0 ]] || die "COMMITS must be a positive integer"

# ---------------------------------------------------------------- cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pdt-bench.XXXXXX")
cd "$TMP" # everything below uses absolute paths; nothing lands in the caller's directory
PDT_PID=""
CEIL_PID=""

stop_pid() { # pid name: SIGTERM, bounded wait, then SIGKILL
    local pid=$1 name=$2 i
    [[ -n $pid ]] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < STOP_WAIT_S * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "api.sh: $name (pid $pid) did not exit ${STOP_WAIT_S}s after SIGTERM; killing" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$PDT_PID" pdt
    stop_pid "$CEIL_PID" bench_ceiling
    if [[ ${KEEP_TMP:-0} == 1 ]]; then
        echo "api.sh: kept $TMP" >&2
    else
        rm -rf "$TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- build
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    if [[ ! -f $BUILD/CMakeCache.txt ]]; then
        log "configuring $BUILD"
        cmake -S "$ROOT" -B "$BUILD" >"$TMP/build.log" 2>&1 \
            || { tail -n 30 "$TMP/build.log" >&2; die "cmake configure failed"; }
    fi
    log "building pdt and bench_ceiling"
    cmake --build "$BUILD" --target pdt bench_ceiling --parallel "$(nproc)" >>"$TMP/build.log" 2>&1 \
        || { tail -n 30 "$TMP/build.log" >&2; die "build failed"; }
fi
PDT=$BUILD/pdt
CEILING=$BUILD/bench/bench_ceiling
[[ -x $CEILING ]] || CEILING=$BUILD/bench_ceiling
[[ -x $PDT ]] || die "no $PDT"
[[ -x $CEILING ]] || die "no bench_ceiling under $BUILD"

# ---------------------------------------------------------------- helpers
free_port() {
    python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

wait_http_200() { # url pid name
    local url=$1 pid=$2 name=$3 i code=""
    for ((i = 0; i < HEALTH_WAIT_S * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 1
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true)
        [[ $code == 200 ]] && return 0
        sleep 0.1
    done
    echo "api.sh: $name did not answer 200 on $url within ${HEALTH_WAIT_S}s (last: $code)" >&2
    return 1
}

pdt_log_tail() { echo "--- pdt log (last 30 lines):" >&2; tail -n 30 "$TMP/pdt.log" >&2 || true; }

json_field() { # field: reads JSON on stdin, prints top-level field
    python3 -c 'import json, sys
v = json.load(sys.stdin)[sys.argv[1]]
print(v)' "$1"
}

vm_kb() { # pid field -> kB
    awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || true
}

# ---------------------------------------------------------------- start pdt
PDT_PORT=$(free_port)
log "starting pdt on 127.0.0.1:$PDT_PORT (db $TMP/pdt.db)"
(
    # cwd is $TMP: no stray .env from the caller's directory is read
    export SERVER_ADDR=127.0.0.1 SERVER_PORT=$PDT_PORT
    export DATABASE_URL="sqlite://$TMP/pdt.db"
    export SYNC_ENABLED=false
    export JWT_SECRET; JWT_SECRET=$(openssl rand -hex 32)
    export ENCRYPTION_KEY; ENCRYPTION_KEY=$(openssl rand -hex 32)
    export GITHUB_API_URL=http://127.0.0.1:9 # never reach out, even by accident
    exec "$PDT" serve
) >"$TMP/pdt.log" 2>&1 &
PDT_PID=$!
PDT_BASE=http://127.0.0.1:$PDT_PORT
wait_http_200 "$PDT_BASE/healthz" "$PDT_PID" pdt || { pdt_log_tail; die "pdt did not start"; }
RSS_IDLE_KB=$(vm_kb "$PDT_PID" VmHWM)

# ---------------------------------------------------------------- user, repo, commits
EMAIL="bench-$RANDOM$RANDOM@example.com"
REG_CODE=$(curl -s -o "$TMP/register.json" -w '%{http_code}' --max-time 10 \
    -H 'Content-Type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"password\":\"bench-password-123\",\"name\":\"Bench\"}" \
    "$PDT_BASE/api/auth/register" || true)
[[ $REG_CODE == 201 ]] || { cat "$TMP/register.json" >&2; pdt_log_tail; die "register answered $REG_CODE, want 201"; }
TOKEN=$(json_field token <"$TMP/register.json") || die "no token in register response"
AUTH="Authorization: Bearer $TOKEN"

REPO_CODE=$(curl -s -o "$TMP/repo.json" -w '%{http_code}' --max-time 10 \
    -H 'Content-Type: application/json' -H "$AUTH" \
    -d '{"url":"https://github.com/bench/repo"}' "$PDT_BASE/api/repos" || true)
[[ $REPO_CODE == 201 ]] || { cat "$TMP/repo.json" >&2; pdt_log_tail; die "POST /api/repos answered $REPO_CODE, want 201"; }
REPO_ID=$(json_field id <"$TMP/repo.json") || die "no id in POST /api/repos response"

log "seeding $COMMITS commits into repository $REPO_ID"
SEED_START=$(date +%s.%N)
python3 - "$TMP/pdt.db" "$REPO_ID" "$COMMITS" <<'PY'
import hashlib, sqlite3, sys, time
db, repo_id, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
con = sqlite3.connect(db, timeout=30, isolation_level=None)
now = int(time.time())
rows = []
for i in range(n):
    sha = hashlib.sha1(f"pdt-bench-{repo_id}-{i}".encode()).hexdigest()
    author = i % 17
    if i % 3 == 0:
        key, link = None, 0
        msg = f"chore: tidy bench module {i}\n\nNo ticket for this one."
    else:
        key, link = f"PROJ-{i % 500 + 1}", 1
        msg = f"{key}: implement bench feature step {i}\n\nLonger description of the change."
    rows.append((repo_id, sha, msg, f"Bench Author {author}",
                 f"author{author}@example.com", "main", now - i * 60, key, link, now, repo_id))
con.execute("BEGIN IMMEDIATE")
con.executemany(
    "INSERT INTO commits (repo_id, sha, message, author, author_email, branch, date,"
    " jira_card_key, has_link, created_at, user_id) VALUES (?,?,?,?,?,?,?,?,?,?,"
    " (SELECT user_id FROM repositories WHERE id = ?))", rows)
con.execute("COMMIT")
got = con.execute("SELECT count(*) FROM commits WHERE repo_id = ?", (repo_id,)).fetchone()[0]
con.close()
if got != n:
    sys.exit(f"seeded {got} commits, want {n}")
PY
SEED_S=$(awk -v a="$SEED_START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')

# Sanity: every route answers 200 and /api/commits returns all the commits.
for route in /healthz /api/user/profile /api/commits; do
    code=$(curl -s -o "$TMP/check.json" -w '%{http_code}' --max-time 30 -H "$AUTH" "$PDT_BASE$route" || true)
    [[ $code == 200 ]] || { head -c 500 "$TMP/check.json" >&2; echo >&2; pdt_log_tail; die "GET $route answered $code, want 200"; }
done
read -r NCOMMITS COMMITS_BYTES < <(python3 -c 'import json, os, sys
v = json.load(open(sys.argv[1]))
print(len(v) if isinstance(v, list) else -1, os.path.getsize(sys.argv[1]))' "$TMP/check.json")
[[ $NCOMMITS == "$COMMITS" ]] || die "GET /api/commits returned $NCOMMITS items, want $COMMITS"
COMMITS_1_S=$(curl -s -o /dev/null -w '%{time_total}' --max-time 30 -H "$AUTH" "$PDT_BASE/api/commits")

# ---------------------------------------------------------------- start ceiling
CEIL_PORT=$(free_port)
log "starting bench_ceiling on 127.0.0.1:$CEIL_PORT"
"$CEILING" "$CEIL_PORT" >"$TMP/ceiling.log" 2>&1 &
CEIL_PID=$!
CEIL_BASE=http://127.0.0.1:$CEIL_PORT
wait_http_200 "$CEIL_BASE/" "$CEIL_PID" bench_ceiling || { cat "$TMP/ceiling.log" >&2; die "bench_ceiling did not start"; }

# ---------------------------------------------------------------- wrk runs
# to_ms VALUE-WITH-UNIT (wrk prints us, ms, s or m)
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
        printf "%.2f", n }'
}

# wrk stops at the deadline with requests still queued in the server; a slow
# route (GET /api/commits) keeps pdt busy for seconds after wrk exits, which
# would steal CPU from the next run. So before every measured run, wait (bounded)
# until neither server burns CPU: two consecutive 0.2s samples using at most
# one clock tick each.
cpu_ticks() { # pid -> utime+stime (fields 14, 15 of /proc/PID/stat)
    sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}
wait_idle() {
    local i quiet=0 a b pid prev=() now=()
    for pid in "$PDT_PID" "$CEIL_PID"; do prev+=("$(cpu_ticks "$pid")"); done
    for ((i = 0; i < IDLE_WAIT_S * 5; i++)); do
        sleep 0.2
        now=()
        for pid in "$PDT_PID" "$CEIL_PID"; do now+=("$(cpu_ticks "$pid")"); done
        a=$(( ${now[0]:-0} - ${prev[0]:-0} )); b=$(( ${now[1]:-0} - ${prev[1]:-0} ))
        prev=("${now[@]}")
        if ((a <= 1 && b <= 1)); then
            ((++quiet >= 2)) && { IDLE_LAST=$(awk -v n="$i" 'BEGIN { printf "%.1f", (n + 1) * 0.2 }'); return 0; }
        else
            quiet=0
        fi
    done
    echo "api.sh: servers still busy after ${IDLE_WAIT_S}s; measuring anyway" >&2
    IDLE_LAST=">$IDLE_WAIT_S"
}

declare -A RPS P99 NON2XX SOCKERR NREQ DRAIN
run_wrk() { # label url [auth]
    local label=$1 url=$2 out="$TMP/wrk-$1.txt"
    local hdr=()
    [[ ${3:-} == auth ]] && hdr=(-H "$AUTH")
    if ((WARMUP > 0)) && [[ -z ${WARMED[$url]:-} ]]; then
        wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"${WARMUP}s" --timeout "$WRK_TIMEOUT" "${hdr[@]}" "$url" >/dev/null 2>&1 || true
        WARMED[$url]=1
    fi
    wait_idle
    DRAIN[$label]=$IDLE_LAST
    log "wrk ${DURATION}s  $label  $url  (servers idle after ${IDLE_LAST}s)"
    wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"${DURATION}s" --timeout "$WRK_TIMEOUT" --latency \
        "${hdr[@]}" "$url" >"$out" 2>&1 || true
    RPS[$label]=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    local p99
    p99=$(awk '$1 == "99%" { print $2; exit }' "$out")
    P99[$label]=$([[ -n $p99 ]] && to_ms "$p99" || echo "")
    NON2XX[$label]=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
    SOCKERR[$label]=$(awk '/Socket errors:/ { gsub(",", ""); print "c" $4 "/r" $6 "/w" $8 "/t" $10 }' "$out")
    NREQ[$label]=$(awk '/requests in/ { print $1 }' "$out")
    [[ -n ${RPS[$label]} ]] || { cat "$out" >&2; echo "api.sh: could not parse wrk output for $label" >&2; RPS[$label]=0; }
}
declare -A WARMED

PDT_DIED=""
check_pdt_alive() {
    if [[ -z $PDT_DIED ]] && ! kill -0 "$PDT_PID" 2>/dev/null; then
        PDT_DIED="after $1"
        echo "api.sh: pdt exited during the '$1' run" >&2
        pdt_log_tail
    fi
}

run_wrk ceiling-1 "$CEIL_BASE/"
PDT_LABELS=(healthz profile commits)
declare -A PDT_PATH=([healthz]=/healthz [profile]=/api/user/profile [commits]=/api/commits)
declare -A PDT_AUTH=([healthz]="" [profile]=auth [commits]=auth)
for l in "${PDT_LABELS[@]}"; do
    if [[ -n $PDT_DIED ]]; then RPS[$l]=0; P99[$l]=""; continue; fi
    run_wrk "$l" "$PDT_BASE${PDT_PATH[$l]}" "${PDT_AUTH[$l]}"
    check_pdt_alive "$l"
done
run_wrk ceiling-2 "$CEIL_BASE/"
[[ -n $PDT_DIED ]] || { wait_idle; DRAIN[end]=$IDLE_LAST; }

RSS_PEAK_KB=""; RSS_NOW_KB=""
if [[ -z $PDT_DIED ]]; then
    RSS_PEAK_KB=$(vm_kb "$PDT_PID" VmHWM)
    RSS_NOW_KB=$(vm_kb "$PDT_PID" VmRSS)
fi
PDT_THREADS=$(awk '$1 == "Threads:" { print $2 }' "/proc/$PDT_PID/status" 2>/dev/null || true)
# pdt still healthy after the load?
POST_HEALTH=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$PDT_BASE/healthz" || true)
LOG_WARN=$(grep -c 'level=warn' "$TMP/pdt.log" || true)
LOG_ERR=$(grep -ciE 'level=(error|fatal)|abort|assert|sanitizer' "$TMP/pdt.log" || true)

# ---------------------------------------------------------------- report
CEIL_MEAN=$(awk -v a="${RPS[ceiling-1]}" -v b="${RPS[ceiling-2]}" 'BEGIN { printf "%.2f", (a + b) / 2 }')
CEIL_SPREAD=$(awk -v a="${RPS[ceiling-1]}" -v b="${RPS[ceiling-2]}" \
    'BEGIN { m = (a + b) / 2; d = a - b; if (d < 0) d = -d; printf "%.1f", (m > 0 ? 100 * d / m : 0) }')
git_desc() {
    local rev
    rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null) || { echo "no git commit"; return 0; }
    [[ -n $(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null) ]] && rev="$rev (modified)"
    echo "$rev"
}
mb() { awk -v k="${1:-0}" 'BEGIN { printf "%.1f", k / 1024 }'; }

row() { # label target
    local l=$1 t=$2 ratio errs
    ratio=$(awk -v r="${RPS[$l]:-0}" -v c="$CEIL_MEAN" 'BEGIN { printf "%.3f", (c > 0 ? r / c : 0) }')
    [[ $l == ceiling-* ]] && ratio="-"
    errs="${NON2XX[$l]:-0}"
    [[ -n ${SOCKERR[$l]:-} ]] && errs="$errs sock:${SOCKERR[$l]}"
    printf '%-28s %12s %11s %9s  %10s  %s\n' "$t" "${RPS[$l]:-0}" "${P99[$l]:-n/a}" "$ratio" "${NREQ[$l]:-0}" "$errs"
}

{
    echo
    echo "=== pdt HTTP benchmark ============================================"
    echo "date       $(date -u +%Y-%m-%dT%H:%M:%SZ)   host: $(nproc) cores, $(uname -sr)"
    echo "pdt        $(git_desc)  HTTP_THREADS=${HTTP_THREADS:-default (8)}"
    echo "load       wrk -t$WRK_THREADS -c$WRK_CONNS -d${DURATION}s --latency --timeout $WRK_TIMEOUT (warm-up ${WARMUP}s/target), all on 127.0.0.1"
    echo "data       $COMMITS commits seeded in ${SEED_S}s; GET /api/commits body $(mb $((COMMITS_BYTES / 1024))) MB, single request ${COMMITS_1_S}s"
    echo
    printf '%-28s %12s %11s %9s  %10s  %s\n' target req/s p99_ms vs_ceil requests "non2xx [sock errs]"
    row ceiling-1 "ceiling GET / (run 1)"
    row healthz "pdt GET /healthz"
    row profile "pdt GET /api/user/profile"
    row commits "pdt GET /api/commits"
    row ceiling-2 "ceiling GET / (run 2)"
    printf '%-28s %12s %11s %9s\n' "ceiling mean" "$CEIL_MEAN" "" "1.000"
    echo "(ceiling runs differ by ${CEIL_SPREAD}% of their mean: the noise floor)"
    echo
    if [[ -n $PDT_DIED ]]; then
        echo "pdt        DIED $PDT_DIED — peak RSS unavailable"
    else
        echo "pdt RSS    peak (VmHWM) $(mb "$RSS_PEAK_KB") MB after load; $(mb "$RSS_IDLE_KB") MB after start; now $(mb "$RSS_NOW_KB") MB; threads ${PDT_THREADS:-?}"
    fi
    echo "pdt after  GET /healthz -> $POST_HEALTH; log: $LOG_WARN warn, $LOG_ERR error/fatal lines"
    echo "drain      seconds until both servers were idle before each run: ceiling-1 ${DRAIN[ceiling-1]:-?}, healthz ${DRAIN[healthz]:-?}, profile ${DRAIN[profile]:-?}, commits ${DRAIN[commits]:-?}, ceiling-2 ${DRAIN[ceiling-2]:-?}, end ${DRAIN[end]:-?}"
    echo "==================================================================="
}

status=0
[[ -z $PDT_DIED && $POST_HEALTH == 200 ]] || status=1
for l in healthz profile commits; do
    [[ -z ${NON2XX[$l]:-} ]] || { echo "api.sh: $l had ${NON2XX[$l]} non-2xx responses" >&2; status=1; }
done
exit $status
