#!/usr/bin/env bash
# bench/worker.sh — pdt serve's HTTP latency while its worker syncs, and shutdown.
#
# Builds pdt, then runs bench/worker.py against the GitHub fake (tests/fakes):
# p50/p99 latency of GET /api/sync/status and GET /api/commits?limit=100 under
# wrk with the worker off (SYNC_ENABLED=false), the same while the worker's
# start-up pass syncs 50 repositories x 5 branches x 400 commits (20 ms
# latency per upstream request) as busy/idle ratios, pdt serve's peak RSS
# (VmHWM) at the end of that pass, and the time from SIGTERM to exit while an
# upstream request hangs. Everything runs on 127.0.0.1 in a temp dir.
#
# usage: bench/worker.sh         (from anywhere; builds pdt)
# env:   DURATION=8 (seconds per wrk run)   WRK_TIMEOUT=30s
#        REPOS=50 BRANCHES=5 COMMITS=400 LATENCY_MS=20 SEED_COMMITS=10000
#        PASS_TIMEOUT=120 (seconds for the worker's pass)
#        STRICT=1 (missed aim -> exit 1)
#        BUILD_DIR=build   SKIP_BUILD=1 (use the existing binary)   KEEP_TMP=1
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac

die() { echo "worker.sh: $*" >&2; exit 1; }
log() { echo "--- $*" >&2; }

for tool in python3 cmake wrk; do
    command -v "$tool" >/dev/null 2>&1 || die "needs '$tool' on PATH"
done
[[ ${DURATION:-8} =~ ^[0-9]+$ && ${DURATION:-8} -gt 0 ]] || die "DURATION must be a positive integer (seconds)"

BUILD_LOG=$(mktemp "${TMPDIR:-/tmp}/pdt-workerbench-build.XXXXXX")
trap 'rm -f "$BUILD_LOG"' EXIT
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    if [[ ! -f $BUILD/CMakeCache.txt ]]; then
        log "configuring $BUILD"
        cmake -S "$ROOT" -B "$BUILD" >"$BUILD_LOG" 2>&1 \
            || { tail -n 30 "$BUILD_LOG" >&2; die "cmake configure failed"; }
    fi
    log "building pdt"
    cmake --build "$BUILD" --target pdt --parallel "$(nproc)" >>"$BUILD_LOG" 2>&1 \
        || { tail -n 30 "$BUILD_LOG" >&2; die "build failed"; }
fi
[[ -x $BUILD/pdt ]] || die "no $BUILD/pdt"

rm -f "$BUILD_LOG"
trap - EXIT

# worker.py owns the temp dir, the fake, every pdt and wrk process and their
# cleanup; exec, so SIGINT/SIGTERM reach it directly.
export PDT_BIN=$BUILD/pdt
exec python3 "$ROOT/bench/worker.py"
