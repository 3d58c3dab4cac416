"""A load run's report: conformance.json with its `load` section, the terminal summary, allure results.

Each workload is one result of the `load` profile, so `gate` and `report` read a load run like any
other; the figures (requests, rate reached, p50/p95/p99 per outcome, admitted-after-revocation count
and window) live in the `load` section. Allure results are written with allure-commons, the library
under allure-pytest, and carry the latency chart, Locust's own HTML report and its CSV.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from aigw_conformance.report.compile import ScenarioResult, compile_report

from .model import Workload
from .verdicts import Verdict

LOAD_API = "aigw-load/v1"
PROFILE = "load"


@dataclass(frozen=True)
class WorkloadOutcome:
    workload: Workload
    verdict: Verdict
    level: str
    started: float            # epoch seconds
    seconds: float            # wall time of the workload, Locust start-up included
    folder: str = ""          # relative to the run folder
    artefacts: tuple[str, ...] = ()
    chart: str = ""


def locust_version() -> str:
    try:
        return metadata.version("locust")   # read from metadata: Locust is never imported here
    except metadata.PackageNotFoundError:
        return "not installed"


def scenario_results(outcomes: list[WorkloadOutcome], redact) -> list[ScenarioResult]:
    return [ScenarioResult(id=o.workload.id, outcome=o.verdict.outcome, suite="load", profile=PROFILE, level=o.level,
                           requirements=tuple(o.workload.requirement), title=o.workload.title,
                           reason=redact(o.verdict.reason), duration=round(o.seconds, 3),
                           evidence=tuple(f"{o.folder}/{a}" for a in o.artefacts if a in ("locust.html", "requests.jsonl")))
            for o in outcomes]


def load_section(outcomes: list[WorkloadOutcome], settings: dict) -> dict:
    return {"apiVersion": LOAD_API, "engine": {"tool": "locust", "version": locust_version()}, "settings": settings,
            "workloads": [{"id": o.workload.id, "kind": o.workload.kind, "title": o.workload.title,
                           "requirements": list(o.workload.requirement), "level": o.level,
                           "outcome": o.verdict.outcome, "reason": o.verdict.reason, "seconds": round(o.seconds, 2),
                           "folder": o.folder, "artefacts": list(o.artefacts), "chart": o.chart,
                           "figures": o.verdict.figures} for o in outcomes]}


def compile_load_report(outcomes: list[WorkloadOutcome], *, redact, catalogue, target: dict, claimed: tuple[str, ...],
                        settings: dict, era: str, harness_version: str, digest: str) -> dict:
    report = compile_report(scenario_results(outcomes, redact), catalogue, target, required_profiles=[PROFILE],
                            claimed_profiles=claimed, era=era, harness_version=harness_version,
                            scenario_digest=digest, date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    report["load"] = load_section(outcomes, settings)
    return report


def verdict_line(report: dict) -> str:
    """The run's verdict in load terms: gating (MUST) workloads decide; SHOULD ones are only reported."""
    ws = report["load"]["workloads"]
    count = {o: sum(1 for w in ws if w["outcome"] == o) for o in ("passed", "failed", "error", "not-supported")}
    text = ", ".join(f"{v} {k}" for k, v in count.items() if v)
    if not any(w["level"] == "MUST" for w in ws):
        head = "FAIL" if count["failed"] else "ERROR" if count["error"] else "PASS"
        return (f"Load verdict: {head} ({text}); not gating: the target does not claim the `load` profile "
                "(claim it in targets.yaml, or pass --gate)")
    return f"Load verdict: {report['verdict']['result'].upper()} - {report['verdict']['reason']} ({text})"


def summary_lines(report: dict) -> list[str]:
    lines = []
    for w in report["load"]["workloads"]:
        f = w["figures"]
        lat = f.get("latency_ms", {})
        worst = ", ".join(f"{k} p50/p95/p99 {v['p50']}/{v['p95']}/{v['p99']} ms" for k, v in lat.items())
        extra = ""
        if w["kind"] == "revocation" and "admitted_after_revocation" in f:
            extra = f"; admitted after revocation {f['admitted_after_revocation']} (window {f['window_s']} s)"
        lines.append(f"  {w['outcome'].upper():<13} {w['id']:<18} {w['level']:<6} [{', '.join(w['requirements'])}]")
        lines.append(f"      {f.get('requests', 0)} requests at {f.get('rate_reached', 0)} req/s "
                     f"(planned {f.get('rate_planned', 0)}){extra}")
        if worst:
            lines.append(f"      {worst}")
        if w["outcome"] != "passed":
            lines.append(f"      {w['reason']}")
    return lines


# ------------------------------------------------------------------ allure results
def write_allure(outcomes: list[WorkloadOutcome], run_dir: Path, redact) -> Path:
    from allure_commons.logger import AllureFileLogger
    from allure_commons.model2 import Attachment, Label, Parameter, StatusDetails, TestResult

    out = run_dir / "allure-results"
    logger = AllureFileLogger(out, clean=True)
    status = {"passed": "passed", "failed": "failed", "error": "broken", "not-supported": "skipped",
              "skipped": "skipped"}
    for o in outcomes:
        w = o.workload
        atts = []
        for name, rel, mime in (("latency chart", o.chart, "image/svg+xml"),
                                ("Locust report", f"{o.folder}/locust.html", "text/html"),
                                ("Locust stats (CSV)", f"{o.folder}/locust_stats.csv", "text/csv"),
                                ("Locust failures (CSV)", f"{o.folder}/locust_failures.csv", "text/csv")):
            src = run_dir / rel if rel else None
            if src is not None and src.is_file():
                source = f"{uuid.uuid4()}-attachment{src.suffix}"
                logger.report_attached_file(src, source)
                atts.append(Attachment(name=name, source=source, type=mime))
        figures = redact(json.dumps(o.verdict.figures, indent=1, default=str))
        source = f"{uuid.uuid4()}-attachment.json"
        logger.report_attached_data(figures, source)
        atts.append(Attachment(name="figures", source=source, type="application/json"))
        labels = [Label("epic", PROFILE), Label("feature", w.kind), Label("suite", "load"), Label("tag", o.level),
                  Label("severity", "critical" if o.level == "MUST" else "normal"), Label("as_id", w.id),
                  *(Label("story", r) for r in w.requirement)]
        start = int(o.started * 1000)
        logger.report_result(TestResult(
            name=f"{w.id}: {w.title}" if w.title else w.id, fullName=f"load.{w.id}", uuid=str(uuid.uuid4()),
            historyId=f"load-{w.id}", testCaseId=f"load-{w.id}", status=status.get(o.verdict.outcome, "unknown"),
            statusDetails=StatusDetails(message=redact(o.verdict.reason)), start=start,
            stop=start + int(o.seconds * 1000), labels=labels, attachments=atts,
            parameters=[Parameter(name=k, value=str(v)) for k, v in _params(o).items()]))
    return out


def _params(o: WorkloadOutcome) -> dict:
    f = o.verdict.figures
    return {"requests": f.get("requests", 0), "rate reached (req/s)": f.get("rate_reached", 0),
            "duration (s)": o.workload.duration_s, "workers": f.get("workers", 0)}


__all__ = ["WorkloadOutcome", "compile_load_report", "summary_lines", "verdict_line", "write_allure", "load_section", "PROFILE"]
