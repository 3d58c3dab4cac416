"""One `aigw-conformance load` run: target, broker, every selected workload in turn, the run folder.

Everything is passed explicitly (target, broker, engine, run folder); nothing here reads the pytest
run's context. Cleanup (tokens the run minted, Locust processes, the embedded reference) runs on the
way out, also after Ctrl-C and SIGTERM.
"""

from __future__ import annotations

import signal
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from aigw_conformance import exitcodes
from aigw_conformance.errors import TargetError

from .centre import open_harness
from .charts import latency_svg
from .loader import DEFAULT_PATH, load_workloads, select
from .orchestrate import Engine, run_workload, support
from .records import Records
from .report import WorkloadOutcome, compile_load_report, summary_lines, verdict_line, write_allure
from .settings import Overrides, adjust, check, too_fast
from .verdicts import Observed, Verdict, judge


@dataclass(frozen=True)
class LoadOptions:
    target: str = "reference"
    targets_file: Path | None = None
    workloads_file: Path = DEFAULT_PATH
    workloads: tuple[str, ...] = ()
    overrides: Overrides = field(default_factory=Overrides)
    engine: Engine = field(default_factory=Engine)
    gate: bool = False
    faults: tuple[str, ...] = ()
    era: str | None = None
    report_dir: Path = Path("reports")
    run_id: str = ""


def _interrupt_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so every `finally` below runs (the broker's cleanup among them)."""
    def handler(signum, frame):  # noqa: ANN001
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, handler)


def _inputs(opts: LoadOptions):
    from aigw_conformance.requirements import load_catalogue
    from aigw_conformance.scenario.routes import load_routes
    from aigw_conformance.tokens.malformed import load_malformed
    catalogue, routes, malformed = load_catalogue(), load_routes(), load_malformed()
    wf = load_workloads(opts.workloads_file, catalogue=catalogue, routes=routes, malformed=malformed)
    return catalogue, routes, malformed, wf, select(wf, list(opts.workloads))


def run_load(opts: LoadOptions, *, out=print) -> int:
    from aigw_conformance.report.results import harness_version, scenario_digest
    from aigw_conformance.report.write import update_latest, write_report

    catalogue, routes, malformed, wf, chosen = _inputs(opts)
    run_dir = opts.report_dir / opts.run_id
    outcomes: list[WorkloadOutcome] = []
    _interrupt_on_sigterm()
    with ExitStack() as stack:
        h = open_harness(stack, target=opts.target, targets_file=opts.targets_file, run_id=opts.run_id,
                         run_dir=run_dir, era=opts.era, faults=opts.faults, malformed=malformed)
        target, broker, redact = h.target, h.broker, h.redactor.redact
        stack.callback(lambda: [out(f"cleanup: could not remove {redact(x)}") for x in broker.cleanup()])
        external = target.kind != "reference"
        check(opts.overrides, external)
        run_dir.mkdir(parents=True, exist_ok=True)
        gating = opts.gate or "load" in (target.profiles or ())
        e = opts.engine
        engine = (f"{e.local_workers} local + {e.remote_workers} remote Locust worker(s)"
                  if e.local_workers + e.remote_workers else "one local Locust process")
        out(f"load: target {target.name} ({target.base_url}), {len(chosen)} workload(s), {engine} -> {run_dir}")
        for i, w0 in enumerate(chosen):
            w, note = adjust(w0, opts.overrides, external)
            level = "MUST" if gating else w.level
            started, t0 = time.time(), time.monotonic()
            folder = f"load/{w.id}"
            why = support(w, target, broker) or too_fast(w, opts.overrides, external)
            if why:
                outcomes.append(WorkloadOutcome(w, Verdict("not-supported", why), level, started, 0.0, folder))
                out(f"  {w.id}: not supported: {why}")
                continue
            out(f"  {w.id}: {w.kind}, {w.duration_s:g} s" + (f" ({note})" if note else ""))
            try:
                obs, kept = run_workload(w, target=target, broker=broker, routes=routes, engine=opts.engine,
                                         out_dir=run_dir / folder, redact=redact, last=i == len(chosen) - 1)
            except TargetError as exc:       # e.g. minting failed: this workload has no verdict, the run goes on
                obs, kept = Observed(Records(()), None, 0, problem=str(exc)), []
            verdict = judge(w, obs)
            if note:
                verdict = Verdict(verdict.outcome, f"{verdict.reason} [{note}]", verdict.figures)
            chart = _chart(w, obs, run_dir, folder)
            outcomes.append(WorkloadOutcome(w, verdict, level, started, time.monotonic() - t0, folder,
                                            tuple(kept) + ("requests.jsonl",), chart))
            out(f"    {verdict.outcome}: {verdict.reason}")
        report = compile_load_report(
            outcomes, redact=redact, catalogue=catalogue, target=_describe(target),
            claimed=tuple(target.profiles or ()) + (("load",) if opts.gate else ()),   # --gate: as if claimed
            settings=_settings(opts, chosen), era=target.era, harness_version=harness_version(),
            digest=scenario_digest([Path(wf.file)]))
        write_report(report, run_dir)   # redacted there too
        with open(run_dir / "summary.md", "a", encoding="utf-8") as fh:
            fh.write(redact("\n## Load\n\n```\n" + "\n".join([verdict_line(report), *summary_lines(report)]) + "\n```\n"))
        update_latest(opts.report_dir, run_dir)
        write_allure(outcomes, run_dir, redact)
        out(verdict_line(report))
        for line in summary_lines(report):
            out(line)
        out(f"report: {run_dir / 'conformance.json'} (HTML: aigw-conformance report {run_dir})")
        return _exit_code(report)


def _exit_code(report: dict) -> int:
    verdict = report["verdict"]["result"]
    if verdict == "fail":
        return exitcodes.NONCONFORMANT
    if any(s["outcome"] == "error" and s["level"] == "MUST" for s in report["scenarios"]):
        return exitcodes.TARGET_UNREACHABLE
    return exitcodes.OK


def _chart(w, obs: Observed, run_dir: Path, folder: str) -> str:
    recs = obs.records.recs if isinstance(obs.records, Records) else ()
    if not recs:
        return ""
    t0 = min(obs.t_start or recs[0].t, recs[0].t)
    marks = [(r.t_return, f"{r.how} returned ({r.label})") for r in obs.revocations]
    if w.kind == "flood":
        marks.append((t0 + w.baseline * w.duration_s, "flood starts"))
    rel = f"{folder}/latency.svg"
    (run_dir / rel).write_text(latency_svg(f"{w.id}: latency per request", recs, t0, marks), encoding="utf-8")
    return rel


def _describe(target) -> dict:
    return {"name": target.name, "kind": target.kind, "base_url": target.base_url, "era": target.era,
            "features": sorted(target.features), **({"claimedProfiles": sorted(target.profiles)} if target.profiles else {})}


def _settings(opts: LoadOptions, chosen) -> dict:
    o, e = opts.overrides, opts.engine
    return {"workloadsFile": str(opts.workloads_file), "workloads": [w.id for w in chosen], "users": o.users,
            "rate": o.rate, "duration_s": o.duration_s, "allowHighRate": o.allow_high_rate, "gate": opts.gate,
            "localWorkers": e.local_workers, "remoteWorkers": e.remote_workers, "faults": list(opts.faults)}



__all__ = ["LoadOptions", "run_load"]
