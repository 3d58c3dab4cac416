"""Process orchestration: one `aigw-conformance run` subprocess per fault (plus the faithful one),
bounded concurrency, each with a hard timeout; nothing here decides a verdict (see matrix.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from aigw_common.redaction import mask_token_shapes as redact  # files read back were redacted when written

from .matrix import RunOutcome

FAITHFUL = "faithful"


@dataclass(frozen=True)
class RunSpec:
    """What every run shares; `extra` are pytest/run options (e.g. -k, --aigw-profile) for all runs."""
    out_dir: Path
    timeout: float = 600.0
    extra: tuple[str, ...] = ()
    target: str = "reference"
    env: dict[str, str] = field(default_factory=dict)


def command(spec: RunSpec, run_id: str, faults: tuple[str, ...], era: str | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "aigw_conformance", "run", "--target", spec.target,
           "--report-dir", str(spec.out_dir / "runs"), "--run-id", run_id, "--capture", "off"]
    if era:
        cmd += ["--era", era]
    for f in faults:
        cmd += ["--aigw-fault", f]
    return cmd + ["-q", "-p", "no:randomly"] + list(spec.extra)


def _kill_group(proc: subprocess.Popen) -> None:
    # The run may start an embedded reference and mitmproxy; its own session group holds them all.
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def run_one(spec: RunSpec, run_id: str, faults: tuple[str, ...] = (), era: str | None = None) -> RunOutcome:
    """Run the suites once; the outcome carries conformance.json (or None) and a redacted log tail."""
    log = spec.out_dir / "logs" / f"{run_id}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    report_path = spec.out_dir / "runs" / run_id / "conformance.json"
    started = time.monotonic()
    problem = ""
    with log.open("w", encoding="utf-8") as fh:
        proc = subprocess.Popen(command(spec, run_id, faults, era), stdout=fh, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                env={**os.environ, **spec.env})
        try:
            rc = proc.wait(timeout=spec.timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            rc, problem = None, f"timed out after {spec.timeout:.0f} s"
    seconds = time.monotonic() - started
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        report = None
    if rc is not None and rc >= 2 and not problem:
        problem = f"run exited {rc}" + ("" if report else " without a report")
    if report is None and not problem:
        problem = "no conformance.json written"
    text = log.read_text(encoding="utf-8", errors="replace").splitlines()
    tail = tuple(redact(line) for line in text[-15:]) if problem else ()
    # rc 3 (unreachable) still leaves a usable per-scenario report; only a missing report is fatal.
    if report is not None and rc in (0, 1, 3) and problem.startswith("run exited"):
        problem = ""
    return RunOutcome(report=report, returncode=rc, seconds=seconds, problem=problem, log_tail=tail)


def faithful_id(era: str) -> str:
    return FAITHFUL if era == "newest" else f"{FAITHFUL}-{era}"


def run_all_eras(spec: RunSpec, faults: list[str], jobs: int = 2, progress=lambda msg: None,
                 eras: tuple[str, ...] = (), fault_eras: dict[str, str] | None = None
                 ) -> tuple[dict[str, RunOutcome], dict[str, RunOutcome]]:
    """A faithful run per era (the eras asked for, plus every era a fault needs) and one run per fault
    in its own era (as the reference lists them, `reference_faults()`), at most `jobs` at a time."""
    def era_of(fault: str) -> str:
        return (fault_eras or {}).get(fault, "newest")

    need = list(dict.fromkeys(["newest", *eras, *(era_of(f) for f in faults)]))
    jobs_list = [(faithful_id(e), (), e) for e in need] + [(f, (f,), era_of(f)) for f in faults]

    def go(item) -> tuple[str, RunOutcome]:
        name, fault, era = item
        out = run_one(spec, name, fault, None if era == "newest" else era)
        progress(f"{name}: {'no report' if out.report is None else 'done'} in {out.seconds:.0f} s"
                 + (f" ({out.problem})" if out.problem else ""))
        return name, out

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = dict(pool.map(go, jobs_list))
    faithfuls = {e: results.pop(faithful_id(e)) for e in need}
    return faithfuls, results


def run_all(spec: RunSpec, faults: list[str], jobs: int = 2,
            progress=lambda msg: None) -> tuple[RunOutcome, dict[str, RunOutcome]]:
    """The newest faithful run and one run per (newest-era) fault; see run_all_eras for the others."""
    faithfuls, runs = run_all_eras(spec, faults, jobs, progress)
    return faithfuls["newest"], runs


def load_runs(out_dir: Path, faults: list[str]) -> tuple[RunOutcome, dict[str, RunOutcome]]:
    """Re-read the reports of an earlier self-test folder (no process is started)."""
    return read_run(out_dir, FAITHFUL), {f: read_run(out_dir, f) for f in faults}


def read_run(out_dir: Path, name: str) -> RunOutcome:
    try:
        report = json.loads((out_dir / "runs" / name / "conformance.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return RunOutcome(report=None, problem="no conformance.json written")
    return RunOutcome(report=report)


def load_era_runs(out_dir: Path) -> dict[str, RunOutcome]:
    """The faithful runs of the further eras an earlier self-test folder holds."""
    runs = out_dir / "runs"
    return {d.name[len(FAITHFUL) + 1:]: read_run(out_dir, d.name)
            for d in sorted(runs.iterdir()) if d.name.startswith(FAITHFUL + "-")} if runs.is_dir() else {}
