"""200 generated direct checks through the harness vs a bare httpx loop sending the same requests (goal <= 2x).

    python3 bench/direct_checks.py [N] [--rounds 5]

Both sides are whole processes (interpreter start-up included), timed back to back in alternation,
medians of ROUNDS, against the same external gateway (bench/fast_gateway.py: standard library, its own
process). The harness side is `aigw-conformance run --target bench --capture off` on N generated checks
with a static token (no minting); the bare side is bench/bare_loop.py. The gateway counts the shape of
every request it receives, and the script prints whether both sides sent the same ones.
A round in which either side did not finish with every answer checked and passed (the harness: a
verdict, N passed) is not counted; with no valid round there is no ratio.

Two yardsticks run in every round too, not part of the row: pytest alone on N plain tests sending the
same requests (bench/floor_checks.py, the harness's pytest settings), once without reports and once
writing allure results and JUnit. They are what one pytest item per check costs whatever the harness
does in it: with them above the goal, the goal is below what a pytest-based harness can reach.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _checks import (describe_shapes, external_gateway, run_bare, run_floor, run_harness,  # noqa: E402
                     same_shapes, write_suites)
from _common import fmt_runs, footer, goal, header, median, refuse  # noqa: E402

GOAL = 2.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", nargs="?", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    header(f"{args.n} generated direct checks: harness (--capture off) vs bare httpx loop, medians of {args.rounds}")
    bare, harness = [], []
    floors: dict[str, list[float]] = {"pytest alone": [], "pytest + reports": []}
    with tempfile.TemporaryDirectory(prefix="aigw-bench-direct-") as tmp:
        folder = Path(tmp)
        suites = write_suites(folder / "suites", args.n)
        with external_gateway(folder) as ext:
            print(f"# gateway   bench/fast_gateway.py at {ext.base_url}")
            warm_b, warm_h = run_bare(ext, args.n), run_harness(ext, suites, args.n, folder / "warm", "off")
            if not (warm_b.ok and warm_h.ok):
                return refuse(warm_b.why or warm_h.why)
            print(f"same requests at the gateway: {'yes' if same_shapes(warm_b.shapes, warm_h.shapes) else 'NO'}")
            print(f"  harness: {describe_shapes(warm_h.shapes)}")
            if not same_shapes(warm_b.shapes, warm_h.shapes):
                print(f"  bare   : {describe_shapes(warm_b.shapes)}")
            for name, reports in (("pytest alone", False), ("pytest + reports", True)):
                w = run_floor(ext, args.n, folder / f"warm-{name[-7:]}", reports)
                same = w.ok and same_shapes(warm_b.shapes, w.shapes)
                what = "same requests" if same else f"NOT the same requests: {w.why or describe_shapes(w.shapes)}"
                print(f"  yardstick {name}: {what}")
                if not same:
                    floors.pop(name)
            for i in range(args.rounds):
                b = run_bare(ext, args.n)
                h = run_harness(ext, suites, args.n, folder / f"r{i}", "off")
                f = {name: run_floor(ext, args.n, folder / f"r{i}-{name[-7:]}", name.endswith("reports"))
                     for name in floors}
                status = "" if b.ok and h.ok and all(x.ok for x in f.values()) else \
                    f"  NOT COUNTED: {b.why or h.why or next(x.why for x in f.values() if not x.ok)}"
                yard = "".join(f", {name} {x.seconds:6.2f} s" for name, x in f.items())
                print(f"round {i + 1}: bare {b.seconds:6.2f} s, harness {h.seconds:6.2f} s{yard}{status}", flush=True)
                if not status:
                    bare.append(b.seconds)
                    harness.append(h.seconds)
                    for name, x in f.items():
                        floors[name].append(x.seconds)
    if not bare:
        return refuse("no round finished with every check passed")
    mb, mh = median(bare), median(harness)
    print(f"bare httpx loop, {args.n} requests  : median {mb:6.2f} s  ({fmt_runs(bare)})")
    print(f"harness, {args.n} checks            : median {mh:6.2f} s  ({fmt_runs(harness)})")
    print(f"ratio harness / bare               : {mh / mb:6.2f}x  -> {goal(mh / mb <= GOAL)} (<= {GOAL:.0f}x)")
    print(f"per check beyond the bare request  : {(mh - mb) / args.n * 1000:6.2f} ms (start-up included)")
    for name, xs in floors.items():
        m = median(xs)
        print(f"yardstick {name:16} : median {m:6.2f} s  ({fmt_runs(xs)}), {m / mb:5.2f}x the bare loop, "
              f"the harness {mh / m:5.2f}x it")
    footer()
    return 0


if __name__ == "__main__":
    sys.exit(main())
