"""Capture on vs off: the same generated suite (200 scenarios) against the reference, both ways.

    python3 bench/capture_onoff.py [N]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _common import engine_missing, header, scenario_cmd, timed, write_suite


def main(n: int) -> int:
    header(f"capture on vs off, {n} scenarios")
    if why := engine_missing():
        print(f"SKIPPED: {why}")
        return 1
    with tempfile.TemporaryDirectory(prefix="aigw-bench-") as tmp:
        suite = write_suite(Path(tmp), n)
        res = {mode: timed(scenario_cmd(str(suite), "--aigw-capture", mode, "--aigw-report-dir", f"{tmp}/{mode}"))
               for mode in ("off", "on")}
    for mode, t in res.items():
        print(f"capture {mode:3}: {t.seconds:8.2f} s  (exit {t.rc}: {t.tail})")
    if any(t.rc not in (0, 1) for t in res.values()):
        print("INVALID: a run did not reach a verdict, no ratio")
        return 1
    print(f"ratio on / off : {res['on'].seconds / res['off'].seconds:8.2f}x")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
