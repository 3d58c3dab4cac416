"""Flakiness: run the faithful reference N times (default 20) and compare the runs.

    python3 bench/flakiness.py [N] [--jobs 2] [--timeout 600] [--out DIR] [pytest/run options ...]

Each run is `aigw-conformance run --capture off` in its own subprocess (bounded in time, loopback
only). Prints IDENTICAL when every run gave the same verdict and the same outcome for every
scenario, else DIFFERENT with the scenarios whose outcome changed. Exit 0 identical, 1 different,
2 when a run produced no report.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aigw_conformance.selftest.matrix import outcomes  # noqa: E402
from aigw_conformance.selftest.runner import RunSpec, run_one  # noqa: E402


def compare(runs: list[dict | None]) -> dict:
    """Pure: verdicts and per-scenario outcomes across runs → what differed."""
    verdicts = [((r or {}).get("verdict") or {}).get("result") for r in runs]
    per_run = [outcomes(r) for r in runs]
    ids = sorted(set().union(*per_run)) if per_run else []
    changed = {sid: dict(Counter(p.get(sid, "absent") for p in per_run)) for sid in ids
               if len({p.get(sid, "absent") for p in per_run}) > 1}
    return {"runs": len(runs), "verdicts": dict(Counter(str(v) for v in verdicts)),
            "scenarios": len(ids), "changed": changed,
            "identical": all(r is not None for r in runs) and len(set(verdicts)) == 1 and not changed}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--out", default=None)
    args, extra = ap.parse_known_args(argv)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out or ROOT / "reports" / f"flakiness-{stamp}")
    spec = RunSpec(out_dir=out, timeout=args.timeout, extra=tuple(extra))
    print(f"flakiness: {args.n} faithful runs, {args.jobs} at a time, {platform_line()} -> {out}", flush=True)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda i: run_one(spec, f"faithful-{i:02d}"), range(args.n)))
    result = compare([r.report for r in results])
    result["wall_seconds"] = round(time.monotonic() - started, 1)
    result["run_seconds"] = [round(r.seconds, 1) for r in results]
    (out / "flakiness.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{'IDENTICAL' if result['identical'] else 'DIFFERENT'}: {result['runs']} runs, "
          f"{result['scenarios']} scenarios, verdicts {result['verdicts']}, wall {result['wall_seconds']} s")
    for sid, counts in result["changed"].items():
        print(f"  changed: {sid} {counts}")
    for r in results:
        if r.report is None:
            print(f"  run without report: {r.problem}")
    if any(r.report is None for r in results):
        return 2
    return 0 if result["identical"] else 1


def platform_line() -> str:
    import os
    import platform
    return f"{platform.python_version()} on {os.cpu_count()} cpu(s)"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
