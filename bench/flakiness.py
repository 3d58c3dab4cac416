"""Flakiness: N consecutive full default runs against the faithful reference, serially and with -n 2.

    python3 bench/flakiness.py [N] [--modes serial,n2] [--capture on|off] [--timeout S] [--out DIR] [run options ...]

Each run is `aigw-conformance run` (capture on, as a user runs it) in its own subprocess and its own
session group, from fresh state: a new embedded reference with a new database, a new run folder, no
earlier report. The runs go one after another (never side by side), the two modes interleaved
(serial, -n 2, serial, …) so a change in the machine's load falls on both alike. Extra arguments are
passed to every run (e.g. `--profile live-clients`).

Per mode, and across both modes, it reports:
- whether every run gave the same verdict and the same outcome for every scenario (IDENTICAL);
- the scenarios that flipped, with how often each outcome occurred;
- false failures: any `failed` or `error` at all, since the target is the faithful reference.
Exit 0 when everything is identical and there is no false failure, 1 otherwise, 2 when a run
ended without a report (timeout, crash). Results: <out>/flakiness.json; logs per run in <out>/logs.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODES = {"serial": (), "n2": ("-n", "2")}
BAD = ("failed", "error")


@dataclass(frozen=True)
class Run:
    mode: str
    index: int
    rc: int | None
    seconds: float
    report: dict | None
    problem: str = ""


def outcomes(report: dict | None) -> dict[str, str]:
    return {s["id"]: s["outcome"] for s in (report or {}).get("scenarios") or []}


def compare(runs: list[dict | None]) -> dict:
    """Pure: verdicts and per-scenario outcomes across runs → what differed, and every false failure."""
    verdicts = [((r or {}).get("verdict") or {}).get("result") for r in runs]
    per_run = [outcomes(r) for r in runs]
    ids = sorted(set().union(*per_run)) if per_run else []
    changed = {sid: dict(Counter(p.get(sid, "absent") for p in per_run)) for sid in ids
               if len({p.get(sid, "absent") for p in per_run}) > 1}
    false = Counter(sid for p in per_run for sid, o in p.items() if o in BAD)
    reasons: dict[str, str] = {}
    for r in runs:
        for s in (r or {}).get("scenarios") or []:
            if s["outcome"] in BAD:
                reasons.setdefault(s["id"], s.get("reason", "")[:300])
    return {"runs": len(runs), "verdicts": dict(Counter(str(v) for v in verdicts)),
            "scenarios": len(ids), "changed": changed,
            "false_failures": {sid: {"runs": n, "first_reason": reasons.get(sid, "")}
                               for sid, n in sorted(false.items())},
            "identical": all(r is not None for r in runs) and len(set(verdicts)) == 1 and not changed}


def command(out: Path, mode: str, index: int, capture: str, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "aigw_conformance", "run", "--report-dir", str(out / "runs"),
            "--run-id", f"{mode}-{index:02d}", "--capture", capture, *MODES[mode], *extra]


def run_once(out: Path, mode: str, index: int, capture: str, extra: list[str], timeout: float) -> Run:
    log = out / "logs" / f"{mode}-{index:02d}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    problem, rc = "", None
    with log.open("w", encoding="utf-8") as fh:
        proc = subprocess.Popen(command(out, mode, index, capture, extra), cwd=ROOT, stdout=fh,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                env={**os.environ, "CI": "true"})
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            problem = f"timed out after {timeout:.0f} s"
            for sig in (signal.SIGTERM, signal.SIGKILL):      # the run, its reference, its workers
                try:
                    os.killpg(proc.pid, sig)
                    proc.wait(timeout=20)
                    break
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    continue
    seconds = time.monotonic() - started
    try:
        report = json.loads((out / "runs" / f"{mode}-{index:02d}" / "conformance.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        report, problem = None, problem or f"exit {rc}, no conformance.json (see {log})"
    return Run(mode, index, rc, seconds, report, problem)


def summarise(runs: list[Run]) -> dict:
    result = compare([r.report for r in runs])
    secs = sorted(r.seconds for r in runs)
    result["exit_codes"] = dict(Counter(str(r.rc) for r in runs))
    result["run_seconds"] = {"min": round(secs[0], 1), "median": round(secs[len(secs) // 2], 1),
                             "max": round(secs[-1], 1)} if secs else {}
    result["problems"] = [f"{r.mode}-{r.index:02d}: {r.problem}" for r in runs if r.problem]
    return result


def print_result(label: str, res: dict) -> None:
    ok = res["identical"] and not res["false_failures"]
    print(f"{label}: {'IDENTICAL' if res['identical'] else 'DIFFERENT'}, "
          f"{len(res['false_failures'])} scenario(s) with false failures; {res['runs']} runs, "
          f"{res['scenarios']} scenarios, verdicts {res['verdicts']}, exit codes {res.get('exit_codes', {})}, "
          f"seconds per run {res.get('run_seconds', {})}{'' if ok else '  <-- look'}")
    for sid, counts in res["changed"].items():
        print(f"  flipped: {sid} {counts}")
    for sid, info in res["false_failures"].items():
        print(f"  false failure: {sid} in {info['runs']} run(s): {info['first_reason']}")
    for p in res.get("problems", []):
        print(f"  no report: {p}")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=20, help="runs per mode (default 20)")
    ap.add_argument("--modes", default="serial,n2", help="comma-separated: serial, n2 (default both)")
    ap.add_argument("--capture", choices=("on", "off"), default="on")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per run before it is killed")
    ap.add_argument("--out", default=None)
    args, extra = ap.parse_known_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown or args.n < 1:
        ap.error(f"unknown mode(s) {unknown}; known: {', '.join(MODES)}" if unknown else "N must be at least 1")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out or ROOT / "reports" / f"flakiness-{stamp}")
    print(f"flakiness: {args.n} consecutive runs per mode ({', '.join(modes)}), capture {args.capture}, "
          f"{platform_line()}, extra {extra or 'none'} -> {out}", flush=True)
    started = time.monotonic()
    runs: dict[str, list[Run]] = {m: [] for m in modes}
    for i in range(args.n):
        for mode in modes:                       # interleaved, one at a time
            r = run_once(out, mode, i, args.capture, extra, args.timeout)
            runs[mode].append(r)
            verdict = ((r.report or {}).get("verdict") or {}).get("result")
            bad = sum(o in BAD for o in outcomes(r.report).values())
            print(f"  {mode}-{i:02d}: exit {r.rc}, verdict {verdict}, {bad} failed/error, {r.seconds:.0f} s"
                  + (f" ({r.problem})" if r.problem else ""), flush=True)
    result = {"modes": {m: summarise(rs) for m, rs in runs.items()},
              "all": summarise([r for rs in runs.values() for r in rs]),
              "wall_seconds": round(time.monotonic() - started, 1), "capture": args.capture, "extra": extra,
              "machine": platform_line()}
    out.mkdir(parents=True, exist_ok=True)
    (out / "flakiness.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    for mode, res in result["modes"].items():
        print_result(mode, res)
    if len(modes) > 1:
        print_result("all modes together", result["all"])
    print(f"wall {result['wall_seconds']} s; {out / 'flakiness.json'}")
    if result["all"]["problems"]:
        return 2
    return 0 if result["all"]["identical"] and not result["all"]["false_failures"] else 1


def platform_line() -> str:
    import platform
    return f"Python {platform.python_version()} on {os.cpu_count()} cpu(s), load {os.getloadavg()[0]:.1f}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
