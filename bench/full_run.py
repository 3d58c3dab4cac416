"""Wall time of the full default run (`aigw-conformance run`, reference target), and -n 2 vs serial.

    python3 bench/full_run.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _common import engine_missing, header, timed


def main() -> int:
    header("full default run; -n 2 vs serial")
    if why := engine_missing():
        print(f"SKIPPED: {why}")
        return 1
    with tempfile.TemporaryDirectory(prefix="aigw-bench-") as tmp:
        serial = timed(["aigw-conformance", "run", "--report-dir", f"{tmp}/serial"])
        par = timed(["aigw-conformance", "run", "--report-dir", f"{tmp}/par", "-n", "2"])
    print(f"full default run, serial : {serial.seconds:8.1f} s  (exit {serial.rc}: {serial.tail})")
    print(f"full default run, -n 2   : {par.seconds:8.1f} s  (exit {par.rc}: {par.tail})")
    if serial.rc not in (0, 1) or par.rc not in (0, 1):
        print("INVALID: a run did not reach a verdict, no ratio")
        return 1
    print(f"ratio serial / -n 2      : {serial.seconds / par.seconds:8.2f}x")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())
