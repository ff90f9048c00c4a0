#!/usr/bin/env bash
# bench/jira.sh — pdt's Jira sync against the Jira fake (tests/fakes).
#
# Builds pdt, then runs bench/jira.py: a cold `pdt sync --jira` pass over
# 10 boards x 20 sprints x 50 issues (issues in the active, future and one
# recently closed sprint per board) with 20 ms injected latency per request,
# a second pass with no upstream change, and a third pass after 5 issues
# change: wall time, requests by kind (boards, sprints, sprint issues,
# per-issue changelog, comment pages), cards written, peak RSS, the
# second/cold request ratio, and the
# Go original's request count for the same shape. Everything runs on
# 127.0.0.1 in a temp dir.
#
# Two builds in one run: BASE_BIN=/path/to/other/pdt, or BASE_REV=<git rev>
# (exported with `git archive` into a temp dir and built there), is benched
# first with the same seeded fake data, then this tree's build; a side-by-side
# table of requests and wall time per pass ends the output.
#
# usage: bench/jira.sh           (from anywhere; builds pdt)
#        BASE_REV=c89858f bench/jira.sh
# env:   BOARDS=10 SPRINTS=20 ISSUES=50 LATENCY_MS=20 CHANGED=5 AGE_DAYS=3
#        COMMENTS=3 LONG_COMMENTS=10 DESCRIPTIONS=1 (comments per issue, issues
#        with 150 more, three-line descriptions; 0 turns each off)
#        BASE_BIN=/path/to/pdt | BASE_REV=<rev> (the base build to compare)
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

# The base build: a git revision exported and built in a temp dir.
BASE_TMP=""
if [[ -n ${BASE_REV:-} && -z ${BASE_BIN:-} ]]; then
    command -v git >/dev/null 2>&1 || die "BASE_REV needs git"
    BASE_SHA=$(git -C "$ROOT" rev-parse --verify --short "${BASE_REV}^{commit}") \
        || die "BASE_REV=$BASE_REV is not a commit"
    BASE_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pdt-jirabench-base.XXXXXX")
    trap 'rm -rf "$BASE_TMP"' EXIT
    log "building base $BASE_REV ($BASE_SHA) in $BASE_TMP"
    git -C "$ROOT" archive "$BASE_SHA" | tar -x -C "$BASE_TMP" \
        || die "git archive $BASE_SHA failed"
    { cmake -S "$BASE_TMP" -B "$BASE_TMP/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        && cmake --build "$BASE_TMP/build" --target pdt --parallel "$(nproc)"; } \
        >"$BASE_TMP/build.log" 2>&1 || { tail -n 30 "$BASE_TMP/build.log" >&2; die "base build failed"; }
    export BASE_BIN=$BASE_TMP/build/pdt
    export BASE_DESC="$BASE_REV ($BASE_SHA)"
fi

# jira.py owns the temp dirs, the fakes, every pdt process and their cleanup;
# exec (unless a base build must be removed after), so SIGINT/SIGTERM reach it.
export PDT_BIN=$BUILD/pdt
if [[ -z $BASE_TMP ]]; then
    exec python3 "$ROOT/bench/jira.py"
fi
rc=0
python3 "$ROOT/bench/jira.py" || rc=$?
exit $rc
