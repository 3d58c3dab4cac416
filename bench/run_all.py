"""Run every benchmark of issue 14's table, one after the other, and print (and keep) their figures.

    python3 bench/run_all.py [--quick] [--out FILE] [--only NAME ...]

Each script is its own process, bounded in time; their output is printed as it comes and, with
--out, written to FILE as well (for bench/README.md). --quick runs fewer rounds and shorter loads, for
a smoke test of the scripts, not for figures. The exit status is 0 only when every script produced
its figures (a figure that misses its goal still counts as produced); 2 when one refused.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BOUND_S = 3600

# (name, script, arguments, arguments with --quick); the fastest first, the full runs last
SCRIPTS = [
    ("startup", "startup.py", [], ["--rounds", "1"]),
    ("direct", "direct_checks.py", ["200"], ["200", "--rounds", "1"]),
    ("capture", "capture_onoff.py", ["200"], ["200", "--rounds", "1"]),
    ("tapproc", "tap_process.py", [], ["100", "--rounds", "1"]),
    ("tavern", "tavern_compare.py", ["200"], ["200", "--rounds", "1"]),
    ("collection", "collection.py", [], ["--sizes", "1000", "2000"]),
    ("throughput", "reference_throughput.py", [], ["--duration", "3"]),
    ("full", "full_run.py", [], ["--no-live"]),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--only", nargs="+", choices=[s[0] for s in SCRIPTS], default=None)
    args = ap.parse_args()
    out = open(args.out, "w") if args.out else None
    worst = 0
    try:
        for name, script, full, quick in SCRIPTS:
            if args.only and name not in args.only:
                continue
            cmd = [sys.executable, str(HERE / script), *(quick if args.quick else full)]
            start = time.monotonic()
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                    start_new_session=True)
            # a watchdog ends the script's whole process group at the bound, even mid-line
            watchdog = threading.Timer(BOUND_S, lambda p=proc: os.killpg(p.pid, signal.SIGKILL))
            watchdog.daemon = True
            watchdog.start()
            try:
                for line in proc.stdout:       # live, so a long run shows its progress
                    print(line, end="", flush=True)
                    if out:
                        out.write(line)
                rc = proc.wait()
            finally:
                watchdog.cancel()
            tail = f"[{name}: exit {rc}, {time.monotonic() - start:.0f} s]\n\n"
            print(tail, end="", flush=True)
            if out:
                out.write(tail)
                out.flush()
            worst = max(worst, 2 if rc == 2 or rc < 0 else 0)
    finally:
        if out:
            out.close()
    return worst


if __name__ == "__main__":
    sys.exit(main())
