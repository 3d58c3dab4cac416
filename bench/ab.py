"""This checkout against another one, back to back: the full default run and the start-up row.

    python3 bench/ab.py --baseline DIR [--rounds 3]
    git worktree add /tmp/base <commit> && python3 bench/ab.py --baseline /tmp/base

A machine's speed drifts (here `import pytest` took 0.21 s in one hour and 0.36 s in the next), so a
figure measured today is compared with one measured last week only loosely. This alternates the two
checkouts within each round: the full default `aigw-conformance run` (embedded reference), serial
and with `-n 2`;
against bench/fast_gateway.py, `run` of one generated check with capture on and off, of 200 with
capture off, and `--collect-only` of 10,000. Each side's runs
use that checkout's code (PYTHONPATH and working directory), both byte-compiled first; a run without
a verdict is not counted. Medians per side and the ratio this / baseline are printed.
"""

from __future__ import annotations

import argparse
import compileall
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _checks import external_gateway, harness_args, write_suites  # noqa: E402
from _common import PACKAGES, ROOT, footer, harness_cmd, has_verdict, header, median, timed  # noqa: E402


def _last(xs: list[float]) -> str:
    return f"{xs[-1]:.2f} s" if xs else "no verdict"


def side_env(code: Path, extra: dict | None = None) -> dict:
    return {"PYTHONPATH": str(code), **(extra or {})}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", type=Path, required=True, metavar="CHECKOUT")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    base = args.baseline.resolve()
    if not (base / "aigw_conformance").is_dir():
        print(f"NO RATIO: {base} is not a checkout of this project")
        return 2
    for pkg in PACKAGES:
        compileall.compile_dir(base / pkg, quiet=1)
    header(f"this checkout vs {base}, alternated, medians of {args.rounds}", "mitmproxy")
    sides = {"this": ROOT, "baseline": base}
    rows = ("full run", "full run, -n 2", "one check, capture on", "one check, capture off", "200 checks, capture off",
            "collection of 10,000")
    got: dict[tuple[str, str], list[float]] = {(r, s): [] for r in rows for s in sides}
    with tempfile.TemporaryDirectory(prefix="aigw-bench-ab-") as tmp:
        folder = Path(tmp)
        suites = {n: write_suites(folder / f"n{n}", n) for n in (1, 200, 10_000)}
        with external_gateway(folder) as ext:
            for i in range(args.rounds):
                for name, code in sides.items():
                    reports = folder / f"{name}-{i}"

                    def measure(row: str, argv: list[str], out: Path, env: dict, timeout: float = 300) -> None:
                        t = timed(harness_cmd(*argv), cwd=code, env=side_env(code, env), timeout=timeout)
                        done = (re.search(r"\b10000 tests collected", t.output) if "--collect-only" in argv
                                else has_verdict(t, out) == "pass")
                        if done:
                            got[(row, name)].append(t.seconds)

                    measure("full run", ["run", "-q", "--report-dir", str(reports / "full")], reports / "full", {},
                            timeout=900)
                    measure("full run, -n 2", ["run", "-q", "-n", "2", "--report-dir", str(reports / "n2")],
                            reports / "n2", {}, timeout=900)
                    for capture in ("on", "off"):
                        measure(f"one check, capture {capture}", harness_args(ext, suites[1], reports / capture, capture),
                                reports / capture, ext.env)
                    measure("200 checks, capture off", harness_args(ext, suites[200], reports / "200", "off"),
                            reports / "200", ext.env)
                    measure("collection of 10,000", [*harness_args(ext, suites[10_000], reports / "10k", "off"),
                                                      "--collect-only"], reports / "10k", ext.env)
                print(f"round {i + 1}: " + "; ".join(
                    f"{r}: this {_last(got[(r, 'this')])}, baseline {_last(got[(r, 'baseline')])}" for r in rows),
                    flush=True)
    for r in rows:
        a, b = got[(r, "this")], got[(r, "baseline")]
        if not a or not b:
            print(f"{r:24}: NO RATIO (no run with a verdict on one side)")
            continue
        print(f"{r:24}: this {median(a):6.2f} s, baseline {median(b):6.2f} s, "
              f"this / baseline {median(a) / median(b):5.2f}x")
    footer()
    return 0


if __name__ == "__main__":
    sys.exit(main())
