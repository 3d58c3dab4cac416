"""Run the conformance suites against a target: a thin layer over pytest.

Every pytest option keeps working (-k, -m, -x, -n N …): unknown arguments are passed through.
Reports go to reports/<run-id>/ (junit.xml, allure-results/, conformance.json, summary.md) and
reports/latest points at the newest run.

Exit codes: 0 conformant; 1 a required MUST failed; 2 invalid scenario/target/option (a stale valid
token in the target's token source included); 3 the target could not be reached (errors only, no
verdict); 4 harness internal error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from aigw_conformance import exitcodes, resources
from aigw_conformance.eras import ERAS
from aigw_conformance.run.options import new_run_id
from aigw_conformance.scenario.discovery import check_named

# A run loads exactly the pytest plugins it uses. Auto-loading every installed plugin's entry point
# costs seconds at each start (schemathesis' and hypothesis' plugins, assertion rewriting of them)
# and lets foreign ones write into the run's output (pytest-benchmark warns on every -n run,
# pytest-randomly shuffles scenarios). Assertions are not rewritten: scenario items use none; the
# unraisable-exception plugin is off: its garbage collections at the end cost up to a second.
RUN_PLUGINS = ("-p", "xdist.plugin", "-p", "allure_pytest.plugin", "-p", "no:unraisableexception", "--assert=plain")
# With -n, idle workers steal queued scenarios. xdist's default (`load`) hands each worker a fixed
# first chunk of consecutive scenarios, and the few long ones (the fuzz profile, a token's deadline)
# sit in neighbouring files: one worker ran them all while the other had run the rest and sat idle
# (bench/README.md). Without -n or --tx it does nothing; a --dist of the user's comes later and wins.
DISTRIBUTION = ("--dist", "worksteal")
NO_AUTOLOAD = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"

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
    parser.add_argument("--suites", default=None, help="suite folder or file, any name (default: the suites shipped with the harness)")
    parser.set_defaults(accepts_passthrough=True)


def pytest_args(args: argparse.Namespace, run_id: str) -> list[str]:
    run_dir = Path(args.report_dir) / run_id
    suites = Path(args.suites) if args.suites else resources.suites_dir()  # packaged by default
    out = [str(suites), "--aigw-suites", str(suites), "--rootdir", str(suites.resolve().parent),
           "-c", str(resources.run_ini()),  # the user's pytest.ini/pyproject.toml does not apply
           "-p", "no:cacheprovider", *RUN_PLUGINS, "-p", "aigw_conformance.pytest_plugin",
           "--aigw-target", args.target, "--aigw-report-dir", str(args.report_dir), "--aigw-run-id", run_id,
           "--aigw-capture", args.capture, f"--junitxml={run_dir / 'junit.xml'}",
           "-o", "junit_logging=no", "-o", "junit_family=xunit2",
           f"--alluredir={run_dir / 'allure-results'}", "--clean-alluredir", *DISTRIBUTION]
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
        errored = [s for s in report.get("scenarios", []) if s["outcome"] == "error"]
        if errored and all(s.get("errorKind") in ("stale-input", "config") for s in errored):
            # a valid token the target's source supplies is refused by Coder's own API too, or the
            # targets file was found wrong when the run started: a rerun gives the same, the input
            # needs fixing, not the target's state
            return exitcodes.INVALID_INPUT
        if errored:
            return exitcodes.TARGET_UNREACHABLE
        # MUST scenarios were selected and none could run (not supported by the target, skipped): the
        # target file or the selection, not the gateway. A selection with no MUST scenario of the
        # required profiles (the opt-in live-clients profile alone) is reported, as documented.
        from aigw_conformance.report.gate import gating_scenarios
        required = set(report.get("requiredProfiles") or [])
        return exitcodes.INVALID_INPUT if gating_scenarios(report.get("scenarios", []), required) else exitcodes.OK
    return exitcodes.OK


def preflight(args: argparse.Namespace):
    """A bad targets file or an unset ${VAR} is the user's input, not the target's fault: one
    located paragraph and exit 2 before anything starts (ConfigError, reported by the CLI).
    The declared target. The expected-failures file too: read only when the report is compiled, a
    bad one left the run without a report and, every scenario having passed, with exit 0."""
    from aigw_common.redaction import Redactor
    from aigw_conformance.run.options import RunOptions
    from aigw_conformance.run.start import declared_target

    if getattr(args, "expected_failures", None):
        from aigw_conformance.report.expected_failures import load_expected_failures
        load_expected_failures(args.expected_failures)
    return declared_target(RunOptions(target=args.target,
                                      targets_file=Path(args.targets_file) if args.targets_file else None), Redactor())


# pytest options after which no scenario runs, here or in a worker
NO_SCENARIOS_HERE = ("--co", "--collect-only", "--setup-plan", "--setup-only", "--fixtures", "--markers",
                     "-h", "--help", "--version")
REMOTE_WORKERS = "--tx"   # workers xdist starts from specifications: they may not share this machine


def option_values(passthrough, name: str, short: str | None = None) -> list[str]:
    """Every value given to a pytest option among `passthrough`, in order: `--name V`, `--name=V`,
    and for a short form `-n V` and `-nV`."""
    out, args = [], list(passthrough)
    for i, a in enumerate(args):
        if a == name or a == short:
            out += args[i + 1:i + 2]
        elif a.startswith(name + "="):
            out.append(a.partition("=")[2])
        elif short and a.startswith(short) and not a.startswith("--"):
            out.append(a[len(short):])
    return out


def xdist_workers(passthrough) -> str | None:
    """The value of -n / --numprocesses (the last one wins, as in pytest), or None."""
    return (option_values(passthrough, "--numprocesses", "-n") or [None])[-1]


def _spawn_reference_early(args: argparse.Namespace, declared) -> None:
    """The embedded reference boots in its own process while pytest starts here. The target's start
    (in this process, at the first scenario) takes it over, or, with -n, every xdist worker uses it
    (targets/reference_shared.py); either compares era and faults first. Not when no scenario will
    run, nor for workers xdist starts from --tx specifications: they start their own."""
    passthrough = getattr(args, "passthrough", None) or []
    if declared.kind != "reference" or any(a.startswith(NO_SCENARIOS_HERE + (REMOTE_WORKERS,)) for a in passthrough):
        return
    from aigw_conformance.targets.reference import spawn_early
    era = args.era or (option_values(passthrough, "--aigw-era") or [None])[-1] or declared.era or "newest"
    spawn_early(era, option_values(passthrough, "--aigw-fault"),
                share=xdist_workers(passthrough) not in (None, "0"))


def main(args: argparse.Namespace) -> int:
    import pytest

    if args.suites:
        check_named(args.suites)  # a path without a suite is exit 2 with a reason, not "no tests ran"
    declared = preflight(args)
    from aigw_conformance.interrupts import InterruptSeen, sigterm_interrupts

    run_id = args.run_id or new_run_id()
    before = os.environ.get(NO_AUTOLOAD)
    os.environ[NO_AUTOLOAD] = "1"   # xdist workers inherit it
    sigterm_interrupts()          # SIGTERM unwinds like Ctrl-C: tokens and users are deleted
    interrupt = InterruptSeen()
    try:   # the spawn inside the try: an interrupt right after it still ends the process
        _spawn_reference_early(args, declared)
        rc = int(pytest.main(pytest_args(args, run_id), plugins=[interrupt]))
    finally:
        reference = sys.modules.get("aigw_conformance.targets.reference")
        if reference is not None:   # one spawned and not taken over (no scenario ran, other options) ends here
            reference.discard_early(Path(args.report_dir) / run_id)
        # called in-process (tests, embedding): a later pytest of that process loads its plugins
        if before is None:
            os.environ.pop(NO_AUTOLOAD, None)
        else:
            os.environ[NO_AUTOLOAD] = before
    if interrupt.seen:
        return exitcodes.INTERRUPTED
    return exit_code(rc, Path(args.report_dir) / run_id / "conformance.json")
