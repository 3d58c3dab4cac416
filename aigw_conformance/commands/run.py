"""Run the conformance suites against a target: a thin layer over pytest.

Every pytest option keeps working (-k, -m, -x, -n N …): unknown arguments are passed through.
Reports go to reports/<run-id>/ (junit.xml, allure-results/, conformance.json, summary.md) and
reports/latest points at the newest run.

Exit codes: 0 conformant; 1 a required MUST failed; 2 invalid scenario/target/option;
3 the target could not be reached (errors only, no verdict); 4 harness internal error.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from aigw_conformance import exitcodes
from aigw_conformance.eras import ERAS
from aigw_conformance.session import REPO_ROOT, new_run_id

NAME = "run"
HELP = "run the conformance suites against a target (pytest options pass through)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", default="reference", help="target name in targets.yaml (default: reference)")
    parser.add_argument("--targets-file", default=None, help="targets.yaml to read")
    parser.add_argument("--profile", action="append", default=[], help="profile to run and require (repeatable)")
    parser.add_argument("--report-dir", default="reports", help="root of the report folders (default: reports/)")
    parser.add_argument("--run-id", default=None, help="run folder name (default: a timestamp)")
    parser.add_argument("--capture", choices=("on", "off"), default="on", help="record traffic (default: on)")
    parser.add_argument("--enforce", action="store_true", help="not-supported scenarios fail")
    parser.add_argument("--expected-failures", default=None, help="YAML list of {id, reason}")
    parser.add_argument("--era", choices=ERAS, default=None, help="protocol era of the target")
    parser.add_argument("--suites", default=None, help="suite folder or file (default: suites/ of the repo)")
    parser.set_defaults(accepts_passthrough=True)


def pytest_args(args: argparse.Namespace, run_id: str) -> list[str]:
    run_dir = Path(args.report_dir) / run_id
    out = [str(args.suites or (REPO_ROOT / "suites")),
           "--rootdir", str(REPO_ROOT), "-p", "no:cacheprovider", "-p", "aigw_conformance.pytest_plugin",
           "--aigw-target", args.target, "--aigw-report-dir", str(args.report_dir), "--aigw-run-id", run_id,
           "--aigw-capture", args.capture, f"--junitxml={run_dir / 'junit.xml'}",
           "-o", "junit_logging=no", "-o", "junit_family=xunit2",
           f"--alluredir={run_dir / 'allure-results'}", "--clean-alluredir"]
    if args.targets_file:
        out += ["--aigw-targets-file", args.targets_file]
    for p in args.profile:
        out += ["--aigw-profile", p]
    if args.enforce:
        out.append("--aigw-enforce")
    if args.expected_failures:
        out += ["--aigw-expected-failures", args.expected_failures]
    if args.era:
        out += ["--aigw-era", args.era]
    return out + list(getattr(args, "passthrough", []) or [])


def exit_code(pytest_rc: int, report_path: Path) -> int:
    """pytest's exit status plus the compiled verdict → the harness's exit code."""
    if pytest_rc == 3:                          # pytest INTERNAL_ERROR
        return exitcodes.INTERNAL_ERROR
    if pytest_rc in (2, 4):                     # collection errors (INTERRUPTED) or usage error
        return exitcodes.INVALID_INPUT
    if pytest_rc == 5:                          # nothing collected
        return exitcodes.INVALID_INPUT
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return exitcodes.INTERNAL_ERROR if pytest_rc else exitcodes.OK
    verdict = report.get("verdict", {}).get("result")
    if verdict == "fail":
        return exitcodes.NONCONFORMANT
    if verdict == "inconclusive":
        errored = any(s["outcome"] == "error" for s in report.get("scenarios", []))
        return exitcodes.TARGET_UNREACHABLE if errored else exitcodes.OK
    return exitcodes.OK


def main(args: argparse.Namespace) -> int:
    import pytest

    run_id = args.run_id or new_run_id()
    rc = int(pytest.main(pytest_args(args, run_id), plugins=[]))
    return exit_code(rc, Path(args.report_dir) / run_id / "conformance.json")
