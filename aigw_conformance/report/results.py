"""From pytest reports to ScenarioResults, and from results to the written run folder.

The outcome of a scenario is decided here, once: passed; failed (a Mismatch); error (the target
could not be reached or answered garbage, a setup failure, or a harness bug); not-supported (the
target lacks a feature, the reason says which) or skipped (era, selection).
"""

from __future__ import annotations

import hashlib
import time
from importlib import metadata
from pathlib import Path

import pytest

from aigw_conformance.redact import redact

from .compile import ScenarioResult, compile_report
from .expected_failures import load_expected_failures
from .write import update_latest, write_report


def _skip_reason(report: pytest.TestReport) -> str:
    lr = report.longrepr
    if isinstance(lr, tuple) and len(lr) == 3:
        text = str(lr[2])
    else:
        text = str(lr or "")
    return text.removeprefix("Skipped: ")


def result_from_report(report: pytest.TestReport, props: dict) -> ScenarioResult | None:
    if report.when == "teardown" and report.passed:
        return None
    reason = str(props.get("aigw_outcome_reason", ""))
    if report.skipped:
        reason = _skip_reason(report)
        outcome = "not-supported" if reason.startswith("not-supported") else "skipped"
    elif report.passed:
        outcome = "passed"
    elif report.when != "call" or props.get("aigw_outcome") == "error":
        outcome = "error"
        reason = reason or _first_line(report)
    else:
        # Only a Mismatch is a conformance failure; any other exception is a harness error.
        outcome = "failed" if "Mismatch" in _exc_name(report) else "error"
        reason = reason or _first_line(report)
    return ScenarioResult(
        id=str(props["aigw_scenario"]), outcome=outcome, suite=str(props.get("aigw_suite", "")),
        profile=str(props.get("aigw_profile", "")), level=str(props.get("aigw_level", "MUST")),
        requirements=tuple(props.get("aigw_requirements", ())), title=str(props.get("aigw_title", "")),
        reason=redact(reason), duration=round(float(report.duration), 3),
        evidence=tuple(props.get("aigw_evidence", ())),
    )


def _exc_name(report: pytest.TestReport) -> str:
    # repr_failure shows only the paragraph; the crash entry still names the exception type.
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message)
    return "Mismatch" if " violates " in str(report.longrepr) else ""


def _first_line(report: pytest.TestReport) -> str:
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


def write_run_report(config: pytest.Config, rc, results: list[ScenarioResult],
                     suite_files: list[Path] = ()) -> dict:
    opts = rc.options
    expected = load_expected_failures(opts.expected_failures) if opts.expected_failures else []
    claimed = getattr(rc.target, "profiles", None) or ()
    report = compile_report(
        results, rc.catalogue() if rc._catalogue is not None else None, rc.describe_target(),
        required_profiles=opts.profiles or claimed or None, claimed_profiles=claimed, expected_failures=expected,
        era=opts.era or str(getattr(rc.target, "era", "") or ""), harness_version=harness_version(),
        scenario_digest=scenario_digest(list(suite_files)),
        date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    config.hook.pytest_aigw_report_compiled(report=report, run_dir=rc.run_dir)
    write_report(report, rc.run_dir)
    update_latest(opts.report_dir, rc.run_dir)
    return report
