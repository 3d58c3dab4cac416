"""The aigw pytest plugin: options, YAML collection, result collection and the report.

Loaded by the root conftest for every pytest run; nothing starts until a scenario item runs.
`pytest_configure` builds the per-process `Harness` once; only the controller (never an xdist
worker) compiles and writes reports/<run-id>/.
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import pytest

from aigw_common.unused_imports import skip_if_asked
from aigw_conformance import hookspecs
from aigw_conformance.errors import AigwError
from aigw_conformance.eras import ERAS
from aigw_conformance.features import markers
from aigw_conformance.harness import HARNESS_KEY, Harness
from aigw_conformance.heap import no_automatic_collection
from aigw_conformance.items import ScenarioItem, YamlFile, is_suite_file, setup_error_report
from aigw_conformance.scenario import discovery
from aigw_conformance.report.compile import ScenarioResult
from aigw_conformance.run.options import RunOptions, new_run_id
from aigw_conformance.schedule import LONG_S, estimated_seconds, expects_denial, first_split, quiet_last, spread_long

CAPTURE_VALUES = ("on", "off")
SUITE_ROOTS = pytest.StashKey[tuple]()  # paths under which YAML suites are collected
# deprecation noise of mitmproxy's dependencies, at import time, in every run's summary
THIRD_PARTY_WARNINGS = ("ignore:tagMap is deprecated:DeprecationWarning:ldap3.*",
                        "ignore:typeMap is deprecated:DeprecationWarning:ldap3.*",
                        "ignore:'crypt' is deprecated:DeprecationWarning:passlib.*")


def _capture(value: str) -> bool:
    if value not in CAPTURE_VALUES:
        raise pytest.UsageError(f"--aigw-capture must be on or off, not {value!r}")
    return value == "on"


def _era(value: str) -> str:
    if value not in ERAS:
        raise pytest.UsageError(f"--aigw-era must be one of {', '.join(ERAS)}, not {value!r}")
    return value


def _existing_file(value: str) -> Path:
    p = Path(value)
    if not p.is_file():
        raise pytest.UsageError(f"file not found: {value}")
    return p


def _suites(value: str) -> str:  # a named suite path must hold a suite
    try:
        discovery.check_named(value, "--aigw-suites")
    except AigwError as exc:
        raise pytest.UsageError(str(exc)) from None
    return value


def _name(value: str) -> str:
    if not value or not all(c.isalnum() or c in "-_." for c in value):
        raise pytest.UsageError(f"not a valid name: {value!r}")
    return value


def pytest_addhooks(pluginmanager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("aigw", "AI Gateway conformance")
    g.addoption("--aigw-target", default="reference", type=_name, help="target name in targets.yaml (default: reference)")
    g.addoption("--aigw-targets-file", default=None, type=_existing_file, help="targets.yaml to read")
    g.addoption("--aigw-profile", action="append", default=[], type=_name,
                help="run only this profile (repeatable); also the profiles the verdict requires")
    g.addoption("--aigw-report-dir", default="reports", help="root folder of run reports (default: reports/)")
    g.addoption("--aigw-run-id", default=None, type=_name, help="run folder name (default: a timestamp)")
    g.addoption("--aigw-capture", default="on", type=_capture, help="record traffic with mitmproxy: on|off")
    g.addoption("--aigw-enforce", action="store_true", default=False,
                help="treat not-supported scenarios as failures")
    g.addoption("--aigw-expected-failures", default=None, type=_existing_file,
                help="YAML list of {id, reason}: known failures that do not fail the verdict")
    g.addoption("--aigw-era", default=None, type=_era, help=f"protocol era of the target: {'|'.join(ERAS)}")
    g.addoption("--aigw-catalogue", default=None, type=_existing_file,
                help="requirement catalogue (default: fixtures/requirements.yaml)")
    g.addoption("--aigw-fault", action="append", default=[], type=_name,
                help="start the embedded reference with this fault (repeatable; testing the harness)")
    g.addoption("--aigw-suites", action="append", default=[], type=_suites,
                help="collect suite files (YAML with a top-level `scenarios:` key) under this folder or file")


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _options(config: pytest.Config) -> RunOptions:
    run_id = config.getoption("aigw_run_id")
    if run_id is None:
        run_id = config.workerinput.get("aigw_run_id") if _is_worker(config) else new_run_id()
    return RunOptions(
        target=config.getoption("aigw_target"), targets_file=config.getoption("aigw_targets_file"),
        profiles=tuple(config.getoption("aigw_profile")), report_dir=Path(config.getoption("aigw_report_dir")),
        run_id=run_id, capture=config.getoption("aigw_capture"), enforce=config.getoption("aigw_enforce"),
        expected_failures=config.getoption("aigw_expected_failures"), era=config.getoption("aigw_era"),
        catalogue=config.getoption("aigw_catalogue"), faults=tuple(config.getoption("aigw_fault")),
    )


def pytest_configure(config: pytest.Config) -> None:
    skip_if_asked()   # an xdist worker of `aigw-conformance run`: before any request imports httpcore
    if _is_worker(config):
        from aigw_conformance.quick_exit import at_worker_exit
        at_worker_exit()
    harness = Harness(_options(config))
    config.stash[HARNESS_KEY] = harness
    from aigw_conformance.report.captured import RedactCaptured
    config.pluginmanager.register(RedactCaptured(harness.redactor.redact), "aigw-redact-captured")
    try:
        catalogue = harness.inputs().catalogue
    except AigwError as exc:
        raise pytest.UsageError(str(exc)) from None
    for line in markers({name: info.description for name, info in catalogue.profile_info.items()}):
        config.addinivalue_line("markers", line)
    config.stash[SUITE_ROOTS] = discovery.suite_roots(
        config.args, config.getoption("aigw_suites"), config.invocation_params.dir)
    for line in THIRD_PARTY_WARNINGS:  # a run's warnings summary is the harness's own
        config.addinivalue_line("filterwarnings", line)
    if _runs_suites(config) and _runs_items_here(config):
        harness.prestart()   # the target boots while pytest collects
    if not _is_worker(config):
        collector = ResultCollector(config, harness)
        config.pluginmanager.register(collector, "aigw-results")
        if _runs_suites(config):
            from aigw_conformance.terminal import ProgressReporter
            config.pluginmanager.register(ProgressReporter(config, redact=harness.redactor.redact), "aigw-progress")


def _runs_items_here(config: pytest.Config) -> bool:
    """False for --collect-only and for an xdist controller (its workers run the scenarios)."""
    if config.option.collectonly:
        return False
    distributing = getattr(config.option, "numprocesses", None) and getattr(config.option, "dist", "no") != "no"
    return _is_worker(config) or not distributing


def _runs_suites(config: pytest.Config) -> bool:
    return bool(config.stash[SUITE_ROOTS])


def pytest_configure_node(node) -> None:  # xdist: share the run id with workers, and the way they are fed
    node.workerinput["aigw_run_id"] = node.config.stash[HARNESS_KEY].options.run_id
    node.workerinput["aigw_dist"] = node.config.option.dist   # a worker's own reads "no"


def pytest_collect_file(file_path: Path, parent):
    if is_suite_file(file_path, parent.config.stash[SUITE_ROOTS]):
        return YamlFile.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session):
    """Everything collection builds lives until the run ends: see aigw_conformance.heap."""
    with no_automatic_collection():
        return (yield)


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    _select_profiles(config, items)
    _order(config, items)


def _order(config: pytest.Config, items: list) -> None:
    """aigw_conformance.schedule: under work stealing the long scenarios open each worker's slice;
    in each slice of a process that runs scenarios, the short ones that expect no denial come last."""
    def cost(item) -> float:
        return estimated_seconds(item.case.scenario) if isinstance(item, ScenarioItem) else 0.0

    def stays(item) -> bool:
        return not isinstance(item, ScenarioItem) or cost(item) >= LONG_S or expects_denial(item.case.scenario)

    if _is_worker(config):
        if config.workerinput.get("aigw_dist") == "worksteal":
            workers = int(config.workerinput["workercount"])
            items[:] = quiet_last(spread_long(items, workers, cost), first_split(len(items), workers), stays)
    elif _runs_items_here(config):
        items[:] = quiet_last(items, [], stays)


def _select_profiles(config: pytest.Config, items: list) -> None:
    """--profile runs those profiles only; without it, every profile but the opt-in ones the target
    does not claim (their scenarios are deselected and the terminal says how to run them)."""
    profiles = set(config.getoption("aigw_profile"))
    if profiles:
        wanted = lambda prof: prof in profiles   # noqa: E731
    else:
        harness = config.stash[HARNESS_KEY]
        left_out = harness.inputs().catalogue.opt_in_profiles() - set(harness.claimed_profiles())
        if not left_out:
            return
        wanted = lambda prof: prof not in left_out   # noqa: E731
    keep, drop = [], []
    for item in items:
        prof = getattr(item, "profile", None)
        (drop if prof is not None and not wanted(prof) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
        if not profiles:
            config.stash[_OPT_IN_LEFT_OUT] = sorted({item.profile for item in drop})


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    return setup_error_report(item, call)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Before the report: ask the canary whether a denied request arrived after its answer. The
    capture's files are written meanwhile (the sweep waits for late forwards first)."""
    config = session.config
    harness = config.stash[HARNESS_KEY]
    harness.scenarios_done()
    try:
        leaks = harness.late_leaks()
    except AigwError as exc:
        leaks = [{"scenario": "", "problem": f"the end-of-run leak sweep could not ask the canary: {exc}"}]
    if _is_worker(config):
        config.workeroutput["aigw_late_leaks"] = leaks   # xdist sends it when the worker finishes
    else:
        config.pluginmanager.get_plugin("aigw-results").late_leaks += leaks


def pytest_unconfigure(config: pytest.Config) -> None:
    harness = config.stash.get(HARNESS_KEY, None)
    if harness is not None:
        harness.stop()


class ResultCollector:
    """Controller-side: turns reports into ScenarioResults, writes the report at the end."""

    def __init__(self, config: pytest.Config, harness: Harness) -> None:
        self.config = config
        self.harness = harness
        self.results: dict[str, ScenarioResult] = {}
        self.report: dict | None = None
        self.started = time.time()
        self.suite_files: set[Path] = set()
        self.late_leaks: list[dict] = []
        self.interrupted = False

    def pytest_keyboard_interrupt(self, excinfo) -> None:
        # pytest raises its subclass Session.Interrupted for collection errors: not an interruption
        self.interrupted = self.interrupted or excinfo.type is KeyboardInterrupt

    def pytest_testnodedown(self, node, error) -> None:  # xdist: what a worker's sweep found
        self.late_leaks += getattr(node, "workeroutput", {}).get("aigw_late_leaks", [])

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.suite_files = {Path(item.path) for item in session.items if hasattr(item, "case")}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        from aigw_conformance.report.results import result_from_report

        props = dict(report.user_properties)
        if "aigw_scenario" not in props:
            return
        self.suite_files.add(self.config.rootpath / report.nodeid.split("::")[0])
        res = result_from_report(report, props)
        if res is not None:
            prev = self.results.get(res.id)
            # the case ran in setup: keep the longest phase as the scenario's duration
            self.results[res.id] = res if prev is None else dataclasses.replace(
                res, duration=max(prev.duration, res.duration))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if not self.results:
            return
        from aigw_conformance.report.results import write_run_report
        try:
            self.report = write_run_report(self.config, self.harness, list(self.results.values()),
                                           sorted(self.suite_files), late_leaks=self.late_leaks,
                                           interrupted=self.interrupted)
        except AigwError as exc:
            self.config.stash[_REPORT_ERROR] = str(exc)
            # without conformance.json the run has no verdict: never the exit status of a clean pass
            session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
            return
        if self.late_leaks:   # pytest wrote JUnit (and allure its results) before this trylast hook
            from aigw_conformance.report.late_leaks import amend_reports
            amend_reports(getattr(self.config.option, "xmlpath", None),
                          getattr(self.config.option, "allure_report_dir", None),
                          list(self.results.values()), self.late_leaks)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        error = self.config.stash.get(_REPORT_ERROR, None)
        if error:
            terminalreporter.write_line(f"aigw: no report written: {error}", red=True)
        if self.report is None:
            return
        from aigw_conformance.report.compile import summary_lines
        terminalreporter.section("aigw conformance")
        for line in summary_lines(self.report):
            terminalreporter.write_line(line)
        run = self.harness.started
        for note in (run.notes if run is not None else ()):
            terminalreporter.write_line(f"note: {note}")
        for prof in self.config.stash.get(_OPT_IN_LEFT_OUT, []):
            terminalreporter.write_line(f"note: the {prof} profile is opt-in and was not run "
                                        f"(--profile {prof}, or `profiles: [{prof}]` on the target)")
        terminalreporter.write_line(f"report: {os.fspath(self.harness.options.run_dir / 'conformance.json')}")


_REPORT_ERROR = pytest.StashKey[str]()
_OPT_IN_LEFT_OUT = pytest.StashKey[list]()
