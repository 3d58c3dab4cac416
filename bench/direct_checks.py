"""200 generated direct checks through the harness vs a bare httpx loop sending the same requests (goal <= 2x).

    python3 bench/direct_checks.py [N] [--rounds 5]

Both sides are whole processes (interpreter start-up included), timed back to back in alternation,
medians of ROUNDS, against the same external gateway (bench/fast_gateway.py: standard library, its own
process). The harness side is `aigw-conformance run --target bench --capture off` on N generated checks
with a static token (no minting); the bare side is bench/bare_loop.py. The gateway counts the shape of
every request it receives, and the script prints whether both sides sent the same ones.
A round in which either side did not finish with every answer checked and passed (the harness: a
verdict, N passed) is not counted; with no valid round there is no ratio.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _checks import describe_shapes, external_gateway, run_bare, run_harness, same_shapes, write_suites  # noqa: E402
from _common import fmt_runs, footer, goal, header, median, refuse  # noqa: E402

GOAL = 2.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", nargs="?", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    header(f"{args.n} generated direct checks: harness (--capture off) vs bare httpx loop, medians of {args.rounds}")
    bare, harness = [], []
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
            for i in range(args.rounds):
                b = run_bare(ext, args.n)
                h = run_harness(ext, suites, args.n, folder / f"r{i}", "off")
                status = "" if b.ok and h.ok else f"  NOT COUNTED: {b.why or h.why}"
                print(f"round {i + 1}: bare {b.seconds:6.2f} s, harness {h.seconds:6.2f} s{status}", flush=True)
                if b.ok and h.ok:
                    bare.append(b.seconds)
                    harness.append(h.seconds)
    if not bare:
        return refuse("no round finished with every check passed")
    mb, mh = median(bare), median(harness)
    print(f"bare httpx loop, {args.n} requests  : median {mb:6.2f} s  ({fmt_runs(bare)})")
    print(f"harness, {args.n} checks            : median {mh:6.2f} s  ({fmt_runs(harness)})")
    print(f"ratio harness / bare               : {mh / mb:6.2f}x  -> {goal(mh / mb <= GOAL)} (<= {GOAL:.0f}x)")
    print(f"per check beyond the bare request  : {(mh - mb) / args.n * 1000:6.2f} ms (start-up included)")
    footer()
    return 0


if __name__ == "__main__":
    sys.exit(main())
