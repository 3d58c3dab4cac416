"""The full default run (reference start-up included), serial and with -n 2 (goals <= 10 s; faster, <= 7 s).

    python3 bench/full_run.py [--rounds 1] [--no-live]

`aigw-conformance run` (the embedded reference target, every shipped suite; the live-clients profile,
which runs real client programs, is opt-in and not part of it), then the same with `-n 2`, back to
back, ROUNDS times alternating, medians; then once the live-clients profile alone
(`--profile live-clients`, serial), for the record. Whole processes, start-up and report writing
included. A run that ends without a verdict (exit 2, 3 or 4, or no conformance.json) has no figure;
a run with a failed verdict is timed and says so.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import fmt_runs, footer, goal, harness_cmd, has_verdict, header, median, refuse, timed  # noqa: E402

DEFAULT: list[str] = []
LIVE = ["--profile", "live-clients"]
GOAL_SERIAL_S, GOAL_PAR_S = 10.0, 7.0


def one(args: list[str], out: Path) -> tuple[float, str | None, str]:
    t = timed(harness_cmd("run", "--report-dir", str(out), *args), timeout=1800)
    return t.seconds, has_verdict(t, out), f"exit {t.rc}: {t.tail}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--no-live", action="store_true", help="skip the run of the live-clients profile")
    args = ap.parse_args()
    header(f"full default run, serial vs -n 2, medians of {args.rounds}",
           "pytest-xdist", "mitmproxy", "uvicorn")
    runs: dict[str, list[float]] = {"serial": [], "-n 2": []}
    with tempfile.TemporaryDirectory(prefix="aigw-bench-full-") as tmp:
        folder = Path(tmp)
        for i in range(args.rounds):
            for name, extra in (("serial", DEFAULT), ("-n 2", [*DEFAULT, "-n", "2"])):
                secs, verdict, tail = one(extra, folder / f"{name.replace(' ', '')}-{i}")
                print(f"round {i + 1}, {name:6}: {secs:6.1f} s  verdict {verdict or 'NONE'}  ({tail})", flush=True)
                if verdict is None:
                    return refuse(f"{name} ended without a verdict ({tail})")
                runs[name].append(secs)
        live = None
        if not args.no_live:
            secs, verdict, tail = one(LIVE, folder / "live")
            live = (secs, verdict, tail)
            print(f"the live-clients profile alone, serial: {secs:6.1f} s  verdict {verdict or 'NONE'}  ({tail})", flush=True)
    s, p = median(runs["serial"]), median(runs["-n 2"])
    print(f"serial : median {s:6.1f} s ({fmt_runs(runs['serial'])}) -> {goal(s <= GOAL_SERIAL_S)} (<= {GOAL_SERIAL_S:.0f} s)")
    print(f"-n 2   : median {p:6.1f} s ({fmt_runs(runs['-n 2'])}) -> {goal(p <= GOAL_PAR_S and p < s)} "
          f"(faster than serial, <= {GOAL_PAR_S:.0f} s)")
    print(f"ratio serial / -n 2 : {s / p:5.2f}x")
    if live is not None:
        print(f"the live-clients profile alone (serial, once): {live[0]:.1f} s, "
              + (f"verdict {live[1]}" if live[1] else f"NO VERDICT ({live[2]})"))
    footer()
    return 0


if __name__ == "__main__":
    sys.exit(main())
