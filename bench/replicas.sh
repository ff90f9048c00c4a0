#!/usr/bin/env bash
# bench/replicas.sh — users fully synced per minute with 1 and with 3 pdt serve
# replicas on one database, against the GitHub fake at 50 ms per request, and
# the lease overhead per user pass (extra database statements). See
# bench/replicas.py for the steps and the variables (USERS, BRANCHES, COMMITS,
# LATENCY_MS, TIMEOUT, STRICT). BUILD_DIR=build, SKIP_BUILD=1 as the others.
# PG=1: the same on a throwaway PostgreSQL cluster (tests/pg/pgcluster.py).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    [[ -f $BUILD/CMakeCache.txt ]] || cmake -S "$ROOT" -B "$BUILD" >/dev/null
    cmake --build "$BUILD" --target pdt --parallel "$(nproc)" >/dev/null
fi
[[ -x $BUILD/pdt ]] || { echo "replicas.sh: no $BUILD/pdt" >&2; exit 1; }
export PDT_BIN=$BUILD/pdt
if [[ ${PG:-0} == 1 ]]; then
    STATE=$(mktemp -d "${TMPDIR:-/tmp}/pdt-replicas-pg.XXXXXX")/cluster.json
    python3 "$ROOT/tests/pg/pgcluster.py" start "$STATE" >/dev/null
    trap 'python3 "$ROOT/tests/pg/pgcluster.py" stop "$STATE" >/dev/null; rm -rf "$(dirname "$STATE")"' EXIT
    PDT_TEST_PG_STATE=$STATE python3 "$ROOT/bench/replicas.py"
    exit $?
fi
exec python3 "$ROOT/bench/replicas.py"
