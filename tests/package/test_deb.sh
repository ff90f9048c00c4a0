#!/usr/bin/env bash
# tests/package/test_deb.sh — the Debian package, installed for real (issue 13).
#
# Builds pdt_<version>_<arch>.deb from BUILD_DIR with cpack (or takes $PDT_DEB),
# then: dpkg -i; the pdt user; modes and owners of /etc/pdt/pdt.env (0640
# root:pdt) and /var/lib/pdt (0750 pdt:pdt); generated secrets; the units pass
# `systemd-analyze verify` and their exposure score is printed (and bounded);
# pdt.service is enabled and pdt-backup.timer is not; `pdt migrate` and a short
# `pdt serve` as the pdt user with the packaged env file answer /healthz;
# /usr/lib/pdt/pdt-backup keeps PDT_BACKUP_KEEP checked copies; dpkg -i again
# leaves the env file (secrets) unchanged; dpkg --purge leaves nothing behind.
# Without a running systemd the units are only verified, not started.
#
# Needs root and dpkg: otherwise it exits 77 (ctest: skipped) saying why.
# Never touches a real install: it refuses (77) when pdt is installed or
# /etc/pdt, /var/lib/pdt or a pdt user exist before it starts, and a trap
# undoes everything it did, on failure too.
#
# usage: tests/package/test_deb.sh BUILD_DIR      env: PDT_DEB=/path/to/pdt_*.deb
# shellcheck disable=SC2317  # cleanup is reached through the trap
set -euo pipefail

BUILD=${1:?usage: test_deb.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
SKIP=77
HEALTH_WAIT_S=20
STOP_WAIT_S=15
MAX_EXPOSURE=2.0   # systemd-analyze security score of pdt.service (0 = best, 10 = worst)
MARKER=/var/tmp/pdt-package-test.active

say() { echo "test_deb: $*"; }
fail() { echo "test_deb: FAIL: $*" >&2; exit 1; }
skip() { echo "test_deb: SKIP: $*"; exit "$SKIP"; }

[ "$(id -u)" -eq 0 ] || skip "needs root (dpkg -i, a system user); run as root or in CI"
for tool in dpkg dpkg-deb dpkg-query cpack systemd-analyze setpriv python3 openssl getent; do
    command -v "$tool" >/dev/null 2>&1 || skip "needs '$tool'"
done

# ---------------------------------------------------------------- guard
# A marker left by a run that was killed before its trap ran: its install is ours.
if [ -e "$MARKER" ]; then
    say "a previous run was interrupted ($MARKER): purging what it installed"
    dpkg --purge pdt >/dev/null 2>&1 || true
    rm -f "$MARKER"
fi
# installed, config-files, ... or nothing/not-installed when absent
pkg_state() { dpkg-query -W -f='${db:Status-Status}' pdt 2>/dev/null || true; }
case $(pkg_state) in
    ''|not-installed) ;;
    *) skip "a pdt package is on this machine ($(pkg_state)); not touching it" ;;
esac
for p in /etc/pdt /var/lib/pdt; do
    [ ! -e "$p" ] || skip "$p exists (a real pdt install?); not touching it"
done
if getent passwd pdt >/dev/null || getent group pdt >/dev/null; then
    skip "a pdt user or group exists; not touching it"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pdt-deb-test.XXXXXX")
chmod 0755 "$TMP"
SERVE_PID=""
INSTALLED=0

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null; then
        kill -KILL "$SERVE_PID" 2>/dev/null || true
        wait "$SERVE_PID" 2>/dev/null || true
    fi
    if [ "$INSTALLED" -eq 1 ]; then
        dpkg --purge pdt >/dev/null 2>&1 || true
        # What a failed purge may leave; none of it existed before we started.
        rm -rf /etc/pdt /var/lib/pdt
        if getent passwd pdt >/dev/null; then userdel pdt 2>/dev/null || true; fi
        if getent group pdt >/dev/null; then groupdel pdt 2>/dev/null || true; fi
    fi
    rm -f "$MARKER"
    rm -rf "$TMP"
    [ "$rc" -eq 0 ] || echo "test_deb: failed (exit $rc); the machine was restored" >&2
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- the package
version=$("$BUILD/pdt" version | awk '{print $2}')
arch=$(dpkg --print-architecture)
if [ -n "${PDT_DEB:-}" ]; then
    DEB=$PDT_DEB
else
    say "building the package with cpack"
    cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$TMP/deb" >"$TMP/cpack.log" 2>&1 ||
        { cat "$TMP/cpack.log" >&2; fail "cpack failed"; }
    DEB=$TMP/deb/pdt_${version}_${arch}.deb
fi
[ -f "$DEB" ] || fail "no package at $DEB (expected the name pdt_<version>_<arch>.deb)"
say "package $(basename "$DEB"): $(stat -c %s "$DEB") bytes"
dpkg-deb -f "$DEB" Depends | grep -q 'libc6' || fail "Depends was not computed by shlibdeps"
dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./conffiles | grep -qx /etc/pdt/pdt.env ||
    fail "/etc/pdt/pdt.env is not a conffile"

# ---------------------------------------------------------------- install
touch "$MARKER"
INSTALLED=1
DEBIAN_FRONTEND=noninteractive dpkg -i "$DEB" >"$TMP/dpkg-i.log" 2>&1 ||
    { cat "$TMP/dpkg-i.log" >&2; fail "dpkg -i failed"; }
say "installed"

mode_owner() { stat -c '%a %U %G' "$1"; }
check_layout() {
    getent passwd pdt >/dev/null || fail "no pdt user"
    local uid shell
    uid=$(getent passwd pdt | cut -d: -f3)
    shell=$(getent passwd pdt | cut -d: -f7)
    [ "$uid" -lt 1000 ] || fail "pdt is not a system user (uid $uid)"
    case $shell in */nologin|*/false) ;; *) fail "pdt has a login shell: $shell" ;; esac
    getent group pdt >/dev/null || fail "no pdt group"
    [ "$(mode_owner /etc/pdt/pdt.env)" = "640 root pdt" ] ||
        fail "/etc/pdt/pdt.env is $(mode_owner /etc/pdt/pdt.env), want 640 root pdt"
    [ "$(mode_owner /var/lib/pdt)" = "750 pdt pdt" ] ||
        fail "/var/lib/pdt is $(mode_owner /var/lib/pdt), want 750 pdt pdt"
    local v
    for v in JWT_SECRET ENCRYPTION_KEY; do
        [ "$(grep -cE "^$v=[0-9a-f]{64}\$" /etc/pdt/pdt.env)" -eq 1 ] ||
            fail "/etc/pdt/pdt.env lacks exactly one generated $v"
    done
}
check_layout
[ "$(/usr/bin/pdt version)" = "pdt $version" ] || fail "/usr/bin/pdt version"
[ -f /usr/share/doc/pdt/README.md ] || fail "no README in /usr/share/doc/pdt"
secrets_before=$(grep -E '^(JWT_SECRET|ENCRYPTION_KEY)=' /etc/pdt/pdt.env)
envsum_before=$(sha256sum < /etc/pdt/pdt.env)

# ---------------------------------------------------------------- the units
units=(/lib/systemd/system/pdt.service /lib/systemd/system/pdt-backup.service
       /lib/systemd/system/pdt-backup.timer)
systemd-analyze verify "${units[@]}" >"$TMP/verify.log" 2>&1 ||
    { cat "$TMP/verify.log" >&2; fail "systemd-analyze verify"; }
[ ! -s "$TMP/verify.log" ] || { cat "$TMP/verify.log" >&2; fail "systemd-analyze verify warned"; }
for u in pdt pdt-backup; do
    score=$(systemd-analyze security --offline=true "/lib/systemd/system/$u.service" 2>/dev/null |
            sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
    [ -n "$score" ] || fail "no exposure score for $u.service"
    say "systemd-analyze security $u.service: exposure $score"
    awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }' ||
        fail "$u.service exposure $score is above $MAX_EXPOSURE"
done
grep -qx 'Type=notify' /lib/systemd/system/pdt.service || fail "pdt.service is not Type=notify"
if command -v deb-systemd-helper >/dev/null 2>&1; then
    [ -L /etc/systemd/system/multi-user.target.wants/pdt.service ] ||
        fail "pdt.service was not enabled"
    [ ! -e /etc/systemd/system/timers.target.wants/pdt-backup.timer ] ||
        fail "pdt-backup.timer is enabled; it must be off by default"
fi
if [ -d /run/systemd/system ]; then
    say "systemd is running: the postinst started pdt.service"
else
    say "no running systemd here: the units are verified, not started"
fi

# ---------------------------------------------------------------- run as pdt
# The unit's own defaults, then the packaged env file (EnvironmentFile wins),
# then this test's port; cwd /var/lib/pdt like WorkingDirectory=.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# setpriv execs (no fork), so $! below is pdt's own pid.
AS_PDT=(setpriv --reuid=pdt --regid=pdt --init-groups -- env -i
        PATH=/usr/sbin:/usr/bin:/sbin:/bin
        DATABASE_URL=sqlite:///var/lib/pdt/pdt.db SERVER_ADDR=127.0.0.1
        sh -c 'cd /var/lib/pdt && set -a && . /etc/pdt/pdt.env && set +a && exec "$@"' as_pdt)
"${AS_PDT[@]}" /usr/bin/pdt migrate >"$TMP/migrate.log" 2>&1 ||
    { cat "$TMP/migrate.log" >&2; fail "pdt migrate as pdt"; }
[ "$(mode_owner /var/lib/pdt/pdt.db)" = "600 pdt pdt" ] ||
    fail "the database is $(mode_owner /var/lib/pdt/pdt.db), want 600 pdt pdt"

"${AS_PDT[@]}" env SERVER_PORT="$port" SYNC_ENABLED=false /usr/bin/pdt serve >"$TMP/serve.log" 2>&1 &
SERVE_PID=$!
python3 - "$port" "$HEALTH_WAIT_S" <<'EOF' || { cat "$TMP/serve.log" >&2; fail "/healthz did not answer"; }
import json, sys, time, urllib.request
port, wait = int(sys.argv[1]), float(sys.argv[2])
deadline = time.monotonic() + wait
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=2) as r:
            if r.status == 200:
                break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit(1)
req = urllib.request.Request("http://127.0.0.1:%d/api/auth/register" % port, method="POST",
    data=json.dumps({"email": "deb@example.com", "password": "correct horse battery"}).encode(),
    headers={"Content-Type": "application/json"})
with urllib.request.urlopen(req, timeout=10) as r:
    assert r.status == 201, r.status
EOF
say "pdt serve as pdt answered /healthz and registered a user"

# The daily backup script, while the server runs: keeps the newest KEEP copies.
for i in 1 2 3; do
    "${AS_PDT[@]}" env PDT_BACKUP_KEEP=2 /usr/lib/pdt/pdt-backup >"$TMP/backup.log" 2>&1 ||
        { cat "$TMP/backup.log" >&2; fail "pdt-backup run $i"; }
    [ "$i" -eq 3 ] || sleep 1.1   # the copies are named by the second
done
mapfile -t copies < <(ls -1 /var/lib/pdt/backups)
[ "${#copies[@]}" -eq 2 ] || fail "want 2 backups kept, have: ${copies[*]}"
for c in "${copies[@]}"; do
    [[ $c =~ ^pdt-[0-9]{8}-[0-9]{6}\.db$ ]] || fail "backup name $c"
    [ "$(mode_owner "/var/lib/pdt/backups/$c")" = "600 pdt pdt" ] || fail "mode of $c"
    python3 - "/var/lib/pdt/backups/$c" <<'EOF' || fail "backup $c is not a good copy"
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
assert db.execute("SELECT count(*) FROM users WHERE email = 'deb@example.com'").fetchone()[0] == 1
EOF
done
say "pdt-backup kept ${#copies[@]} checked copies"

kill -TERM "$SERVE_PID"
for ((i = 0; i < STOP_WAIT_S * 10; i++)); do
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$SERVE_PID" 2>/dev/null && fail "pdt serve did not stop within ${STOP_WAIT_S}s of SIGTERM"
serve_rc=0
wait "$SERVE_PID" || serve_rc=$?
SERVE_PID=""
[ "$serve_rc" -eq 0 ] || { cat "$TMP/serve.log" >&2; fail "pdt serve exited $serve_rc"; }

# ---------------------------------------------------------------- reinstall
DEBIAN_FRONTEND=noninteractive dpkg -i "$DEB" >"$TMP/dpkg-i2.log" 2>&1 ||
    { cat "$TMP/dpkg-i2.log" >&2; fail "second dpkg -i failed"; }
check_layout
[ "$(grep -E '^(JWT_SECRET|ENCRYPTION_KEY)=' /etc/pdt/pdt.env)" = "$secrets_before" ] ||
    fail "reinstalling changed the secrets"
[ "$(sha256sum < /etc/pdt/pdt.env)" = "$envsum_before" ] || fail "reinstalling changed pdt.env"
[ -f /var/lib/pdt/pdt.db ] || fail "reinstalling lost the database"
say "reinstalled: secrets, env file and database unchanged"

# ---------------------------------------------------------------- purge
DEBIAN_FRONTEND=noninteractive dpkg --purge pdt >"$TMP/purge.log" 2>&1 ||
    { cat "$TMP/purge.log" >&2; fail "dpkg --purge failed"; }
INSTALLED=0
left=()
for p in /etc/pdt /var/lib/pdt /usr/bin/pdt /usr/lib/pdt /usr/share/doc/pdt \
         /lib/systemd/system/pdt.service /lib/systemd/system/pdt-backup.service \
         /lib/systemd/system/pdt-backup.timer; do
    [ ! -e "$p" ] && [ ! -L "$p" ] || left+=("$p")
done
while IFS= read -r p; do left+=("$p"); done < <(
    find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled \
         /var/lib/systemd/deb-systemd-helper-masked -name 'pdt*' 2>/dev/null)
getent passwd pdt >/dev/null && left+=("user pdt")
getent group pdt >/dev/null && left+=("group pdt")
case $(pkg_state) in ''|not-installed) ;; *) left+=("package pdt ($(pkg_state))") ;; esac
[ "${#left[@]}" -eq 0 ] || fail "dpkg --purge left: ${left[*]}"
say "purged: nothing left"
say "ok"
