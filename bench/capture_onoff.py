"""Capture on vs off on the same 200 generated direct checks (goal <= 1.2x).

    python3 bench/capture_onoff.py [N] [--rounds 5]

`aigw-conformance run --capture on` (mitmproxy reverse taps in front of the gateway, flows and HAR
written, redacted) against the same command with `--capture off`, whole processes, alternated back to
back, medians of ROUNDS, against the external bench/fast_gateway.py with a static token (the set-up of
bench/direct_checks.py). A round where either run did not end with a verdict and all N passed is not
counted. The gateway's request counts show that both runs sent it the same N requests.

A yardstick runs in every round too, not part of the row: bench/bare_loop.py directly and through a
mitmproxy reverse tap started in its process with none of the capture's addons (`--through-tap`).
The difference is what a mitmproxy in the path costs before the capture records anything (its
start-up, its stop and N flows); added to capture off it is the lowest ratio a capture with a
mitmproxy tap in the harness's process can have.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _checks import describe_shapes, external_gateway, run_bare, run_harness, same_shapes, write_suites  # noqa: E402
from _common import fmt_runs, footer, goal, header, median, refuse  # noqa: E402

GOAL = 1.2


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", nargs="?", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    header(f"capture on vs off, {args.n} generated direct checks, medians of {args.rounds}", "mitmproxy")
    runs: dict[str, list[float]] = {"off": [], "on": [], "bare": [], "bare+tap": []}
    with tempfile.TemporaryDirectory(prefix="aigw-bench-capture-") as tmp:
        folder = Path(tmp)
        suites = write_suites(folder / "suites", args.n)
        with external_gateway(folder) as ext:
            print(f"# gateway   bench/fast_gateway.py at {ext.base_url}")
            for mode in ("off", "on"):     # warm-up, and what the gateway received each way
                w = run_harness(ext, suites, args.n, folder / f"warm-{mode}", mode)
                if not w.ok:
                    return refuse(f"capture {mode}: {w.why}")
                print(f"  capture {mode:3}: gateway received {describe_shapes(w.shapes)}")
            direct, tapped = run_bare(ext, args.n), run_bare(ext, args.n, through_tap=True)
            if not (direct.ok and tapped.ok and same_shapes(direct.shapes, tapped.shapes)):
                return refuse(f"yardstick: {direct.why or tapped.why or 'not the same requests through the tap'}")
            for i in range(args.rounds):
                off = run_harness(ext, suites, args.n, folder / f"off{i}", "off")
                on = run_harness(ext, suites, args.n, folder / f"on{i}", "on")
                bare, tapped = run_bare(ext, args.n), run_bare(ext, args.n, through_tap=True)
                status = "" if off.ok and on.ok and bare.ok and tapped.ok else \
                    f"  NOT COUNTED: {off.why or on.why or bare.why or tapped.why}"
                print(f"round {i + 1}: off {off.seconds:6.2f} s, on {on.seconds:6.2f} s; "
                      f"bare loop {bare.seconds:6.2f} s, through a bare tap {tapped.seconds:6.2f} s{status}", flush=True)
                if not status:
                    for key, side in (("off", off), ("on", on), ("bare", bare), ("bare+tap", tapped)):
                        runs[key].append(side.seconds)
    if not runs["off"]:
        return refuse("no round finished with every check passed")
    m_off, m_on = median(runs["off"]), median(runs["on"])
    print(f"capture off : median {m_off:6.2f} s  ({fmt_runs(runs['off'])})")
    print(f"capture on  : median {m_on:6.2f} s  ({fmt_runs(runs['on'])})")
    print(f"ratio on / off : {m_on / m_off:5.2f}x  -> {goal(m_on / m_off <= GOAL)} (<= {GOAL}x)")
    m_bare, m_tap = median(runs["bare"]), median(runs["bare+tap"])
    tap_cost = m_tap - m_bare
    print(f"yardstick: bare loop {m_bare:5.2f} s ({fmt_runs(runs['bare'])}), through a bare tap {m_tap:5.2f} s "
          f"({fmt_runs(runs['bare+tap'])}): a mitmproxy in the path +{tap_cost:4.2f} s; capture off plus that "
          f"{(m_off + tap_cost) / m_off:5.2f}x, the capture's own work {m_on - m_off - tap_cost:+5.2f} s beyond it")
    footer()
    return 0


if __name__ == "__main__":
    sys.exit(main())
