"""Runs one fake upstream as a process.

    cd tests && python3 -m fakes.run_fake github|gitlab|jira [--port 0] [--seed-file data.json]
                                                      [--seed N] [--prefix /api/v3]
                                                      [--time-zone +01:00]

Binds 127.0.0.1 only, applies the seed file (the /_admin/state JSON format,
README.md), prints "READY <port>" on stdout (flushed), then serves until SIGTERM
or SIGINT and exits 0. Drive it at run time through http://127.0.0.1:<port>/_admin/.
"""

import argparse
import json
import os
import signal
import sys
import threading

if __package__ in (None, ""):        # `python3 tests/fakes/run_fake.py` also works
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    __package__ = "fakes"            # noqa: A001

from fakes import FakeGitHub, FakeGitLab, FakeJira  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m fakes.run_fake",
                                 description="Run a fake GitHub/GitLab/Jira on 127.0.0.1.")
    ap.add_argument("kind", choices=["github", "gitlab", "jira"])
    ap.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = any free)")
    ap.add_argument("--seed-file", help="JSON document applied like POST /_admin/state")
    ap.add_argument("--seed", type=int, default=0, help="seed of the fault random generator")
    ap.add_argument("--prefix", default="", help="GitHub only: API path prefix, e.g. /api/v3")
    ap.add_argument("--time-zone", default="+01:00",
                    help="Jira only: default user time zone (+01:00, UTC, Europe/Berlin)")
    args = ap.parse_args(argv)

    if args.kind == "github":
        fake = FakeGitHub(seed=args.seed, port=args.port, prefix=args.prefix)
    elif args.kind == "jira":
        fake = FakeJira(seed=args.seed, port=args.port, time_zone=args.time_zone)
    else:
        fake = FakeGitLab(seed=args.seed, port=args.port)

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    fake.start()
    try:
        if args.seed_file:
            with open(args.seed_file, "r", encoding="utf-8") as f:
                fake.apply_state(json.load(f))
    except Exception as exc:                      # bad seed: say why, exit non-zero
        fake.stop()
        print("ERROR seed file %s: %s" % (args.seed_file, exc), file=sys.stderr, flush=True)
        return 2
    print("READY %d" % fake.port, flush=True)
    while not stop.wait(0.5):
        pass
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
