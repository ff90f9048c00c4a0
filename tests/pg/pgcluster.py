#!/usr/bin/env python3
"""A throwaway PostgreSQL cluster for pdt's tests (issue 10).

    pgcluster.py start STATE_FILE   initdb in a new temporary directory, start
                                    the server on a free 127.0.0.1 port, write
                                    {"dir", "port", "url"} to STATE_FILE
    pgcluster.py stop STATE_FILE    stop the server (immediate) and remove the
                                    directory; a missing STATE_FILE is fine
    pgcluster.py halt STATE_FILE    stop the server (fast), keeping its data
    pgcluster.py resume STATE_FILE  start a halted server again, same port

The cluster is for tests only: trust authentication on loopback, fsync off,
a Unix socket inside its own directory, and nothing outside that directory is
touched. PostgreSQL refuses to run as root, so when started as root the
cluster runs as the unprivileged `postgres` user that Debian's package
creates (or PDT_PG_USER). Binaries come from PG_BIN, else the newest
/usr/lib/postgresql/*/bin.
"""
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile


def pg_bin():
    if os.environ.get("PG_BIN"):
        return os.environ["PG_BIN"]
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                  key=lambda d: int(d.split("/")[-2]) if d.split("/")[-2].isdigit() else 0)
    if not dirs:
        sys.exit("pgcluster: no PostgreSQL server binaries (install postgresql-15)")
    return dirs[-1]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_as(cmd, user):
    """Runs cmd (bounded) as `user` when we are root, else as ourselves."""
    if user is not None:
        cmd = ["runuser", "-u", user, "--"] + cmd
    subprocess.run(cmd, check=True, timeout=120, stdin=subprocess.DEVNULL,
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def start(state_file):
    user = None
    if os.geteuid() == 0:
        user = os.environ.get("PDT_PG_USER", "postgres")
        pw = pwd.getpwnam(user)
    root = tempfile.mkdtemp(prefix="pdt-pg-")
    if user is not None:
        os.chown(root, pw.pw_uid, pw.pw_gid)
    data = os.path.join(root, "data")
    port = free_port()
    b = pg_bin()
    try:
        run_as([os.path.join(b, "initdb"), "-D", data, "-U", "pdt", "-A", "trust",
                "-E", "UTF8", "--locale=C", "--no-sync"], user)
        opts = ("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=400 -c shared_buffers=64MB" % (port, root))
        run_as([os.path.join(b, "pg_ctl"), "-D", data, "-o", opts, "-l",
                os.path.join(root, "server.log"), "-w", "-t", "60", "start"], user)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        out = getattr(e, "output", b"") or b""
        shutil.rmtree(root, ignore_errors=True)
        sys.exit("pgcluster: start failed: %s\n%s" % (e, out.decode("utf-8", "replace")))
    state = {"dir": root, "port": port, "user": user, "opts": opts,
             "url": "postgres://pdt@127.0.0.1:%d/postgres" % port}
    with open(state_file, "w") as f:
        json.dump(state, f)
    print("pgcluster: PostgreSQL on 127.0.0.1:%d in %s" % (port, root))


def stop(state_file):
    try:
        with open(state_file) as f:
            state = json.load(f)
    except FileNotFoundError:
        return
    data = os.path.join(state["dir"], "data")
    try:
        run_as([os.path.join(pg_bin(), "pg_ctl"), "-D", data, "-m", "immediate",
                "-w", "-t", "30", "stop"], state.get("user"))
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        print("pgcluster: stop: %s" % e, file=sys.stderr)
    shutil.rmtree(state["dir"], ignore_errors=True)
    os.unlink(state_file)


def halt(state_file):
    """Stops the server (fast shutdown: clients are disconnected), data kept."""
    with open(state_file) as f:
        state = json.load(f)
    run_as([os.path.join(pg_bin(), "pg_ctl"), "-D", os.path.join(state["dir"], "data"),
            "-m", "fast", "-w", "-t", "60", "stop"], state.get("user"))


def resume(state_file):
    """Starts a halted server again on the same port."""
    with open(state_file) as f:
        state = json.load(f)
    run_as([os.path.join(pg_bin(), "pg_ctl"), "-D", os.path.join(state["dir"], "data"),
            "-o", state["opts"], "-l", os.path.join(state["dir"], "server.log"),
            "-w", "-t", "60", "start"], state.get("user"))


COMMANDS = {"start": start, "stop": stop, "halt": halt, "resume": resume}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in COMMANDS:
        sys.exit("usage: pgcluster.py start|stop|halt|resume STATE_FILE")
    COMMANDS[sys.argv[1]](os.path.abspath(sys.argv[2]))


if __name__ == "__main__":
    main()
