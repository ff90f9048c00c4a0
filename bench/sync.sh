#!/usr/bin/env bash
# bench/sync.sh — pdt's commit sync against the GitHub fake (tests/fakes).
#
# Builds pdt, then runs bench/sync.py: a cold `pdt sync --commits` pass over
# 50 repositories x 5 branches x 400 commits with 20 ms injected latency per
# request (SYNC_CONCURRENCY=4), the same cold pass strictly one request at a
# time (SYNC_CONCURRENCY=1) as a ratio, a second pass with no upstream change
# (requests, statuses, rate-limit units), a third pass after 3 new commits,
# and the sync processes' peak RSS. Everything runs on 127.0.0.1 in a temp dir.
#
# With BASE_REV=<git rev> (built in a temporary git worktree, removed afterwards)
# or BASE_BIN=/path/to/pdt, every pass also runs with that build on the same fake
# data, and both are printed side by side with the new/base ratios.
#
# usage: bench/sync.sh           (from anywhere; builds pdt)
#        BASE_REV=c89858f bench/sync.sh
# env:   REPOS=50 BRANCHES=5 COMMITS=400 LATENCY_MS=20 CONCURRENCY=4
#        PASS_TIMEOUT=300 (seconds per sync pass)   STRICT=1 (missed aim -> exit 1)
#        BUILD_DIR=build   SKIP_BUILD=1 (use the existing binary)   KEEP_TMP=1
#        BASE_REV=<git rev> | BASE_BIN=<path>
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac

die() { echo "sync.sh: $*" >&2; exit 1; }
log() { echo "--- $*" >&2; }

for tool in python3 cmake; do
    command -v "$tool" >/dev/null 2>&1 || die "needs '$tool' on PATH"
done

BUILD_LOG=$(mktemp "${TMPDIR:-/tmp}/pdt-syncbench-build.XXXXXX")
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

# sync.py owns the temp dir, the fake, every pdt process and their cleanup;
# exec, so SIGINT/SIGTERM reach it directly.
export PDT_BIN=$BUILD/pdt
exec python3 "$ROOT/bench/sync.py"
