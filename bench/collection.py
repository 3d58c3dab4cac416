"""Collection of 10,000 generated scenarios (goal <= 10 s) and whether it grows linearly (5,000; 20,000).

    python3 bench/collection.py [--sizes 5000 10000 20000] [--rounds 1]

`aigw-conformance run --suites DIR --collect-only` on generated suites (files of 500 scenarios, the
shape of bench/direct_checks.py) against the external bench/fast_gateway.py target, whole process
(start-up included), and, back to back, plain pytest (PYTEST_DISABLE_PLUGIN_AUTOLOAD=1) collecting the same number
of parametrized tests as a yardstick. Linear means the cost per 1,000 scenarios between sizes stays the same: the
script prints the marginal cost per 1,000 between consecutive sizes and their ratio. A run that does
not end with "N tests collected" has no figure.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _checks import external_gateway, harness_args, write_suites  # noqa: E402
from _common import footer, goal, harness_cmd, header, median, refuse, timed  # noqa: E402

GOAL_S = 10.0
GOAL_N = 10_000
PLAIN = "import pytest\n\n\n@pytest.mark.parametrize('i', range({n}))\ndef test_plain(i):\n    pass\n"


def collected(out: str) -> tuple[int, float] | None:
    m = re.search(r"(\d+) tests? collected.* in ([\d.]+)s", out)
    return (int(m.group(1)), float(m.group(2))) if m else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[5_000, 10_000, 20_000])
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    sizes = sorted(set(args.sizes))
    header(f"collection of {', '.join(f'{n:,}' for n in sizes)} generated scenarios, medians of {args.rounds}")
    wall: dict[int, list[float]] = {n: [] for n in sizes}
    inner: dict[int, list[float]] = {n: [] for n in sizes}
    plain: dict[int, list[float]] = {n: [] for n in sizes}
    with tempfile.TemporaryDirectory(prefix="aigw-bench-collect-") as tmp:
        folder = Path(tmp)
        with external_gateway(folder) as ext:
            for n in sizes:
                suites = write_suites(folder / f"suites-{n}", n)
                pfile = folder / f"plain-{n}" / "test_plain.py"
                pfile.parent.mkdir()
                pfile.write_text(PLAIN.replace("{n}", str(n)))
                for r in range(args.rounds):
                    t = timed(harness_cmd(*harness_args(ext, suites, folder / f"rep-{n}-{r}", "off"), "--collect-only"),
                              env=ext.env)
                    got = collected(t.output)
                    if got is None or got[0] != n:
                        return refuse(f"{n:,} scenarios: exit {t.rc}, {t.tail or t.output[-400:]}")
                    # pytest alone (no plugins auto-loaded): what collecting n items costs pytest itself
                    p = timed([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--collect-only",
                               "--noconftest", str(pfile)], cwd=pfile.parent, env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
                    wall[n].append(t.seconds)
                    inner[n].append(got[1])
                    plain[n].append(p.seconds)
                    print(f"{n:6,} scenarios: {t.seconds:6.2f} s wall ({got[1]:.2f} s by pytest's clock); "
                          f"plain pytest, {n:,} parametrized tests: {p.seconds:5.2f} s", flush=True)
    print()
    for n in sizes:
        w = median(wall[n])
        print(f"{n:6,}: median {w:6.2f} s wall, {w / n * 1000:5.2f} s per 1,000 overall, "
              f"{median(wall[n]) / median(plain[n]):4.1f}x plain pytest")
    marg, marg_in = [], []
    for a, b in zip(sizes, sizes[1:]):
        per = (median(wall[b]) - median(wall[a])) / (b - a) * 1000
        per_in = (median(inner[b]) - median(inner[a])) / (b - a) * 1000
        marg.append(per)
        marg_in.append(per_in)
        print(f"marginal {a:,} -> {b:,}: {per:5.2f} s per 1,000 scenarios wall, {per_in:5.2f} s by pytest's clock")
    if len(marg) >= 2:
        print(f"linearity: marginal cost ratio {marg[-1] / marg[0]:.2f} wall, {marg_in[-1] / marg_in[0]:.2f} by "
              f"pytest's clock (1.00 = linear; above ~1.3 it grows faster than linear)")
    if GOAL_N in wall:
        w = median(wall[GOAL_N])
        print(f"{GOAL_N:,} scenarios collected in {w:.2f} s -> {goal(w <= GOAL_S)} (<= {GOAL_S:.0f} s)")
    footer()
    return 0


if __name__ == "__main__":
    sys.exit(main())
