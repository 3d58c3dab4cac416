"""Start-up: `aigw-conformance run` of one scenario vs `python -c "import pytest"` (goal <= +0.5 s).

    python3 bench/startup.py [--rounds 5]

Whole processes, alternated back to back, medians of ROUNDS:
  import pytest   python -c "import pytest" (the floor any pytest-based tool starts from)
  one check       `aigw-conformance run --suites ONE` with the default options (capture on) against the
                  external bench/fast_gateway.py with a static token: the harness's own start-up and
                  shutdown, no gateway to start, one request. The row's figure.
  capture off     the same with --capture off (no mitmproxy)
  reference       `aigw-conformance run -k CM-CENTRAL-OPENAI` against the default target: the embedded
                  reference started and stopped, every shipped suite collected, one scenario run
A run counts only with a verdict and its one scenario passed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _checks import external_gateway, harness_args, write_suites  # noqa: E402
from _common import fmt_runs, footer, goal, harness_cmd, has_verdict, header, median, refuse, timed  # noqa: E402

GOAL_S = 0.5
ONE_SHIPPED = "CM-CENTRAL-OPENAI"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    header(f"start-up: run of one scenario vs python -c 'import pytest', medians of {args.rounds}", "mitmproxy")
    names = ("import pytest", "one check", "capture off", "reference")
    runs: dict[str, list[float]] = {n: [] for n in names}
    with tempfile.TemporaryDirectory(prefix="aigw-bench-startup-") as tmp:
        folder = Path(tmp)
        suites = write_suites(folder / "suites", 1)
        with external_gateway(folder) as ext:
            def one(name: str, i: int):
                out = folder / f"{name.replace(' ', '-')}-{i}"
                if name == "import pytest":
                    t = timed([sys.executable, "-c", "import pytest"])
                    return t, t.rc == 0
                if name == "reference":
                    t = timed(harness_cmd("run", "--report-dir", str(out), "-q", "-k", f"{ONE_SHIPPED} and not XAPIKEY"))
                else:
                    capture = "off" if name == "capture off" else "on"
                    t = timed(harness_cmd(*harness_args(ext, suites, out, capture)), env=ext.env)
                return t, has_verdict(t, out) == "pass" and "1 passed" in t.tail

            for i in range(-1, args.rounds):          # round -1 warms the file cache, not counted
                line = []
                for name in names:
                    t, ok = one(name, i)
                    if not ok:
                        return refuse(f"{name}: exit {t.rc}, {t.tail or t.output[-400:]}")
                    line.append(f"{name} {t.seconds:5.2f} s")
                    if i >= 0:
                        runs[name].append(t.seconds)
                print(("warm-up: " if i < 0 else f"round {i + 1}: ") + ", ".join(line), flush=True)
    base = median(runs["import pytest"])
    for name in names:
        m = median(runs[name])
        extra = "" if name == "import pytest" else f"  = import pytest + {m - base:5.2f} s"
        print(f"{name:13}: median {m:5.2f} s ({fmt_runs(runs[name])}){extra}")
    delta = median(runs["one check"]) - base
    print(f"start-up of `run`, one check, default options: +{delta:.2f} s over import pytest -> "
          f"{goal(delta <= GOAL_S)} (<= +{GOAL_S} s)")
    footer()
    return 0


if __name__ == "__main__":
    sys.exit(main())
