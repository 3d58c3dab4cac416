"""From pytest reports to ScenarioResults, and from results to the written run folder.

The outcome is not decided here: the item decided it once, from the exception type that ended
the case (`aigw_conformance.outcome`), and put it into `aigw_outcome`. A report without it (pytest
stopped before the item's setup ran) is an error or a skip as pytest saw it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from importlib import metadata
from pathlib import Path

import pytest

from .compile import ScenarioResult, compile_report
from .expected_failures import load_expected_failures
from .late_leaks import with_late_leaks
from .write import update_latest, write_report

def _skip_reason(report: pytest.TestReport) -> str:
    lr = report.longrepr
    text = str(lr[2]) if isinstance(lr, tuple) and len(lr) == 3 else str(lr or "")
    return text.removeprefix("Skipped: ")


def result_from_report(report: pytest.TestReport, props: dict) -> ScenarioResult | None:
    """The scenario's result as of this phase report (the last phase's stands), or None."""
    if report.when == "call" and "aigw_outcome" not in props:
        return None
    outcome = str(props.get("aigw_outcome", ""))
    reason = str(props.get("aigw_outcome_reason", ""))
    if report.when == "teardown" and report.failed:
        outcome, reason = "error", f"harness error after the case: {_last_line(report)}"
    elif not outcome:
        if report.passed:
            return None
        outcome = "skipped" if report.skipped else "error"
        reason = _skip_reason(report) if report.skipped else _last_line(report)
        if report.skipped and reason.startswith("not-supported"):
            outcome = "not-supported"
    return ScenarioResult(
        id=str(props["aigw_scenario"]), outcome=outcome, suite=str(props.get("aigw_suite", "")),
        profile=str(props.get("aigw_profile", "")), level=str(props.get("aigw_level", "MUST")),
        requirements=tuple(props.get("aigw_requirements", ())), title=str(props.get("aigw_title", "")),
        reason=reason, duration=round(float(report.duration), 3), evidence=tuple(props.get("aigw_evidence", ())),
        error_kind=str(props.get("aigw_error_kind", "")),
    )


def _last_line(report: pytest.TestReport) -> str:
    text = str(report.longreprtext or "").strip()
    return text.splitlines()[-1] if text else report.outcome


def scenario_digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        try:
            h.update(p.name.encode() + b"\0" + p.read_bytes())
        except OSError:
            continue
    return "sha256:" + h.hexdigest()


def harness_version() -> str:
    try:
        return metadata.version("aigw-conformance")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def write_run_report(config: pytest.Config, harness, results: list[ScenarioResult],
                     suite_files: list[Path] = (), late_leaks: list[dict] = (), interrupted: bool = False) -> dict:
    """Compile and write conformance.json and summary.md for the controller's harness."""
    opts = harness.options
    results = with_late_leaks(results, list(late_leaks))
    expected = load_expected_failures(opts.expected_failures) if opts.expected_failures else []
    run = harness.started
    if run is not None:
        target, claimed = run.target.describe(), tuple(run.target.profiles)
    else:  # the run never started (every scenario errored on start-up, or ran in xdist workers)
        target, claimed = _declared(harness)
    report = compile_report(
        results, harness.inputs().catalogue, target,
        required_profiles=opts.profiles or claimed or None, claimed_profiles=claimed, expected_failures=expected,
        era=opts.era or str(target.get("era") or ""), harness_version=harness_version(),
        scenario_digest=scenario_digest(list(suite_files)),
        date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), interrupted=interrupted,
    )
    report["lateLeaks"] = list(late_leaks)
    config.hook.pytest_aigw_report_compiled(report=report, run_dir=opts.run_dir)
    write_report(report, opts.run_dir, harness.redactor.redact)
    update_latest(opts.report_dir, opts.run_dir)
    return report


def _declared(harness) -> tuple[dict, tuple[str, ...]]:
    """The target as targets.yaml declares it (no secrets; nothing is started)."""
    from aigw_conformance.errors import AigwError
    from aigw_conformance.run.start import declared_target
    try:
        t = declared_target(harness.options, harness.redactor)
    except AigwError:
        return {"name": harness.options.target}, ()
    return t.describe(), harness.claimed_profiles()
