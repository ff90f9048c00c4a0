#!/usr/bin/env bash
# Builds the bench/httplibs servers with plain gcc + pkg-config into
# $OUT_DIR (default <repo>/build/httplibs): bench_mhd (mhd.c),
# bench_civetweb, bench_h2o, bench_evhttp. Installs the three extra -dev
# packages through scripts/install-deps first (a no-op when present).
# EXTRA_CFLAGS is added to every compile, e.g. EXTRA_CFLAGS=-fsanitize=address,undefined.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${OUT_DIR:-$root/build/httplibs}
mkdir -p "$out"

PDT_EXTRA_PACKAGES="libmicrohttpd-dev libcivetweb-dev libevent-dev" "$root/scripts/install-deps"

cflags=(-std=c17 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -pthread ${EXTRA_CFLAGS:-})
# Debian's libcivetweb-dev ships no .pc file, only the library and a CMake config.
gcc "${cflags[@]}" -o "$out/bench_mhd" "$here/mhd.c" $(pkg-config --cflags --libs libmicrohttpd)
gcc "${cflags[@]}" -o "$out/bench_civetweb" "$here/civetweb.c" -lcivetweb
gcc "${cflags[@]}" -o "$out/bench_h2o" "$here/h2o.c" $(pkg-config --cflags --libs libh2o-evloop openssl)
gcc "${cflags[@]}" -o "$out/bench_evhttp" "$here/evhttp.c" $(pkg-config --cflags --libs libevent)
echo "build.sh: built bench_mhd bench_civetweb bench_h2o bench_evhttp in $out"
