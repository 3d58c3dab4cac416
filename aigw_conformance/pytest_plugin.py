"""The aigw pytest plugin: options, YAML collection, result collection and the report.

Loaded by the root conftest for every pytest run; nothing starts until a scenario item runs.
Only the controller (never an xdist worker) compiles and writes reports/<run-id>/.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from aigw_conformance import hookspecs
from aigw_conformance.errors import AigwError
from aigw_conformance.items import RUN_KEY, YamlFile, is_suite_file
from aigw_conformance.report.compile import ScenarioResult
from aigw_conformance.session import Options, RunContext, new_run_id

CAPTURE_VALUES = ("on", "off")
from aigw_conformance.eras import ERAS  # [protocol] newest | older | model-authz


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
    g.addoption("--aigw-era", default=None, type=_era, help="protocol era of the target: newest|older|model-authz")
    g.addoption("--aigw-catalogue", default=None, type=_existing_file,
                help="requirement catalogue (default: fixtures/requirements.yaml)")
    g.addoption("--aigw-fault", action="append", default=[], type=_name,
                help="start the embedded reference with this fault (repeatable; testing the harness)")


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    # [protocol] httpx imports httpcore lazily, at its first transport. Imported here (after pytest's
    # plugin rewrite marking, so anyio's plugin is not warned about) so that a first import inside an
    # in-process pytester run, whose sys.modules snapshot then drops it, cannot leave httpx's exception
    # map on a discarded copy of httpcore (an unmapped ConnectError in a later test).
    import httpcore  # noqa: F401
    for name, text in (("core", "core profile"), ("lifecycle", "token lifecycle profile"),
                       ("credential_modes", "credential-modes profile"), ("proxy", "proxy profile"),
                       ("clients", "clients profile"), ("model_access", "model-access profile"), ("fuzz", "fuzz profile"),
                       ("gateway_keys", "gateway-keys profile"), ("informative", "informative profile"),
                       ("must", "MUST level scenario"), ("should", "SHOULD level scenario")):
        config.addinivalue_line("markers", f"{name}: {text}")
    run_id = config.getoption("aigw_run_id")
    if run_id is None:
        run_id = config.workerinput.get("aigw_run_id") if _is_worker(config) else new_run_id()
    opts = Options(
        target=config.getoption("aigw_target"), targets_file=config.getoption("aigw_targets_file"),
        profiles=tuple(config.getoption("aigw_profile")), report_dir=Path(config.getoption("aigw_report_dir")),
        run_id=run_id, capture=config.getoption("aigw_capture"), enforce=config.getoption("aigw_enforce"),
        expected_failures=config.getoption("aigw_expected_failures"), era=config.getoption("aigw_era"),
        catalogue=config.getoption("aigw_catalogue"), faults=tuple(config.getoption("aigw_fault")),
    )
    rc = RunContext(opts, run_dir=opts.report_dir / run_id)
    config.stash[RUN_KEY] = rc
    if not _is_worker(config):
        collector = ResultCollector(config, rc)
        config.pluginmanager.register(collector, "aigw-results")
        try:
            from aigw_conformance.terminal import ProgressReporter
        except ImportError:
            pass
        else:
            if _runs_suites(config):
                config.pluginmanager.register(ProgressReporter(config), "aigw-progress")


def _runs_suites(config: pytest.Config) -> bool:
    return any("suites" in Path(a.split("::")[0]).parts for a in config.args)


def pytest_configure_node(node) -> None:  # xdist: share the run id with workers
    node.workerinput["aigw_run_id"] = node.config.stash[RUN_KEY].options.run_id


def pytest_collect_file(file_path: Path, parent):
    if is_suite_file(file_path):
        return YamlFile.from_parent(parent, path=file_path)
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    profiles = set(config.getoption("aigw_profile"))
    if not profiles:
        return
    keep, drop = [], []
    for item in items:
        prof = getattr(item, "profile", None)
        (drop if prof is not None and prof not in profiles else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_unconfigure(config: pytest.Config) -> None:
    rc = config.stash.get(RUN_KEY, None)
    if rc is not None:
        rc.stop()


class ResultCollector:
    """Controller-side: turns reports into ScenarioResults, writes the report at the end."""

    def __init__(self, config: pytest.Config, rc: RunContext) -> None:
        self.config = config
        self.rc = rc
        self.results: dict[str, ScenarioResult] = {}
        self.report: dict | None = None
        self.started = time.time()
        self.suite_files: set[Path] = set()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.suite_files = {Path(item.path) for item in session.items if hasattr(item, "case")}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if "aigw_scenario" not in props:
            return
        from aigw_conformance.report.results import result_from_report
        res = result_from_report(report, props)
        self.suite_files.add(self.config.rootpath / report.nodeid.split("::")[0])
        if res is None:
            return
        prev = self.results.get(res.id)
        # setup error / call result / teardown error: the worst phase decides
        if prev is None or _rank(res.outcome) > _rank(prev.outcome) or prev.outcome == "passed" and report.when == "call":
            self.results[res.id] = res

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if not self.results:
            return
        from aigw_conformance.report.results import write_run_report
        try:
            self.report = write_run_report(self.config, self.rc, list(self.results.values()),
                                           sorted(self.suite_files))
        except AigwError as exc:
            self.config.stash.setdefault(_REPORT_ERROR, str(exc))

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
        for note in self.rc.notes:
            terminalreporter.write_line(f"note: {note}")
        terminalreporter.write_line(f"report: {os.fspath(self.rc.run_dir / 'conformance.json')}")


_REPORT_ERROR = pytest.StashKey[str]()
_RANKS = {"passed": 0, "skipped": 1, "not-supported": 1, "failed": 2, "error": 3}


def _rank(outcome: str) -> int:
    return _RANKS.get(outcome, 0)
