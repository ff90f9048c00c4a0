#!/usr/bin/env bash
# bench/jira.sh — pdt's Jira sync against the Jira fake (tests/fakes).
#
# Builds pdt, then runs bench/jira.py: a cold `pdt sync --jira` pass over
# 10 boards x 20 sprints x 50 issues (issues in the active, future and one
# recently closed sprint per board) with 20 ms injected latency per request,
# a second pass with no upstream change, and a third pass after 5 issues
# change: wall time, requests by kind (boards, sprints, sprint issues,
# per-issue changelog), cards written, the second/cold request ratio, and the
# Go original's request count for the same shape. Everything runs on
# 127.0.0.1 in a temp dir.
#
# usage: bench/jira.sh           (from anywhere; builds pdt)
# env:   BOARDS=10 SPRINTS=20 ISSUES=50 LATENCY_MS=20 CHANGED=5 AGE_DAYS=3
#        PASS_TIMEOUT=120 (seconds per sync pass)   STRICT=1 (missed aim -> exit 1)
#        BUILD_DIR=build   SKIP_BUILD=1 (use the existing binary)   KEEP_TMP=1
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac

die() { echo "jira.sh: $*" >&2; exit 1; }
log() { echo "--- $*" >&2; }

for tool in python3 cmake; do
    command -v "$tool" >/dev/null 2>&1 || die "needs '$tool' on PATH"
done

BUILD_LOG=$(mktemp "${TMPDIR:-/tmp}/pdt-jirabench-build.XXXXXX")
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

# jira.py owns the temp dir, the fake, every pdt process and their cleanup;
# exec, so SIGINT/SIGTERM reach it directly.
export PDT_BIN=$BUILD/pdt
exec python3 "$ROOT/bench/jira.py"
