"""Terminal progress of a conformance run, and the per-profile summary at its end.

The engine registers it on the controller only:
``config.pluginmanager.register(ProgressReporter(config), "aigw-progress")``. It reads the Seam 5 keys
of ``report.user_properties`` (aigw_scenario, aigw_profile, aigw_requirements, aigw_evidence,
aigw_outcome_reason), so it works the same with ``-n``: xdist ships user_properties to the controller.

On a TTY (and not under CI) a rich Live panel shows counts per profile; otherwise one plain line per
scenario, which is what a CI log wants. Every string passes through ``redact`` before it is shown.
"""

from __future__ import annotations

import dataclasses
import io
import os
import sys
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from aigw_common.redaction import mask_token_shapes

OUTCOMES = ("passed", "failed", "error", "skipped")
_HEAD = {"passed": "pass", "failed": "fail", "error": "err", "skipped": "skip"}  # narrow CI logs
_STYLE = {"passed": "green", "failed": "bold red", "error": "bold magenta", "skipped": "yellow"}


@dataclass
class ProgressRow:
    """One test as the terminal shows it (the report's ScenarioResult is report.compile's)."""
    nodeid: str
    scenario: str
    profile: str
    outcome: str                       # one of OUTCOMES
    requirements: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    reason: str = ""


def use_live(stream=None) -> bool:
    """Live display only for a person at a terminal: CI logs get plain lines."""
    stream = stream or sys.stdout
    ci = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
    return not ci and os.environ.get("TERM") != "dumb" and bool(getattr(stream, "isatty", lambda: False)())


def _tty_console() -> Console | None:
    try:
        tty = open("/dev/tty", "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the run
    except OSError:
        return None
    return Console(file=tty, highlight=False)


def outcome_of(report: pytest.TestReport) -> str | None:
    """The one outcome of a test from its phase reports, or None for phases that don't decide it."""
    if report.when == "call":
        if report.passed:
            return "passed"
        return "skipped" if report.skipped else "failed"
    if report.when == "setup" and not report.passed:
        return "skipped" if report.skipped else "error"
    if report.when == "teardown" and report.failed:
        return "error"
    return None


def result_of(report: pytest.TestReport, outcome: str) -> ProgressRow:
    props = dict(report.user_properties)
    reason = str(props.get("aigw_outcome_reason") or "")
    if outcome == "skipped" and not reason and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2]).removeprefix("Skipped: ")
    # The item decided the outcome once (aigw_conformance.outcome); pytest's phase is only a fallback.
    engine = str(props.get("aigw_outcome") or "")
    if engine == "not-supported":
        outcome = "skipped"
    elif engine in OUTCOMES:
        outcome = engine
    return ProgressRow(
        nodeid=report.nodeid,
        scenario=str(props.get("aigw_scenario") or report.nodeid.rsplit("::", 1)[-1]),
        profile=str(props.get("aigw_profile") or "-"),
        outcome=outcome,
        requirements=[str(r) for r in props.get("aigw_requirements") or []],
        evidence=[str(e) for e in props.get("aigw_evidence") or []],
        reason=reason,
    )


def count_table(results: list[ProgressRow], title: str | None = None, redact=mask_token_shapes) -> Table:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
    for r in results:
        counts[r.profile][r.outcome] += 1
    table = Table(title=title, show_edge=False, pad_edge=False)
    table.add_column("profile")
    for o in OUTCOMES:
        table.add_column(o, justify="right", style=_STYLE[o])
    for profile in sorted(counts):
        table.add_row(redact(profile), *(str(counts[profile][o]) for o in OUTCOMES))
    return table


def summary_table(results: list[ProgressRow], redact=mask_token_shapes) -> Table:
    """One row per profile: counts, the requirement ids that failed, and where to look."""
    table = Table(title="aigw-conformance: results per profile", show_lines=False)
    table.add_column("profile")
    for o in OUTCOMES:
        table.add_column(_HEAD[o], justify="right", style=_STYLE[o])
    # Fold rather than truncate: an id cut to "AUTH-HTTP-00…" is useless.
    table.add_column("failing requirements", style="red", overflow="fold")
    table.add_column("evidence", overflow="fold")
    by_profile: dict[str, list[ProgressRow]] = defaultdict(list)
    for r in results:
        by_profile[r.profile].append(r)
    for profile in sorted(by_profile):
        rows = by_profile[profile]
        bad = [r for r in rows if r.outcome in ("failed", "error")]
        reqs = sorted({req for r in bad for req in r.requirements})
        pointer = next((r.evidence[0] for r in bad if r.evidence), "")
        if bad and not pointer:
            pointer = f"{bad[0].scenario}: see junit.xml"
        table.add_row(redact(profile), *(str(sum(r.outcome == o for r in rows)) for o in OUTCOMES),
                      redact(", ".join(reqs)), redact(pointer))
    return table


def failure_lines(results: list[ProgressRow], redact=mask_token_shapes) -> list[str]:
    lines = []
    for r in results:
        if r.outcome in ("failed", "error"):
            ev = f" → {r.evidence[0]}" if r.evidence else ""
            lines.append(redact(f"{r.outcome.upper():6} {r.profile} {r.scenario} "
                                f"[{', '.join(r.requirements)}]{ev}"))
    return lines


class ProgressReporter:
    """pytest plugin object: progress while running, a table per profile at the end."""

    def __init__(self, config: pytest.Config, *, live: bool | None = None,
                 console: Console | None = None, redact=mask_token_shapes) -> None:
        self.config = config
        self.redact = redact
        self.results: list[ProgressRow] = []
        self.total = 0
        self.current = ""
        self.live_mode = use_live() if live is None else live
        # pytest captures fds 1 and 2 while it runs, so the live panel writes to the terminal
        # itself, and plain lines go through pytest's own terminal writer.
        self.console = console or (_tty_console() if self.live_mode else None)
        if self.console is None:
            self.live_mode = False
        self._live: Live | None = None
        # Our lines replace pytest's per-file progress: at default verbosity pytest would reprint
        # the file name before each of them. -v keeps pytest's own per-test lines as asked.
        if config.getoption("verbose", 0) == 0:
            config.option.verbose = -1

    # -- collection and start --------------------------------------------------------------
    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = len(session.items)
        if self.live_mode and self.total:
            self._live = Live(self._render(), console=self.console, transient=True,
                              refresh_per_second=8, redirect_stdout=False, redirect_stderr=False)
            self._live.start()

    def pytest_runtest_logstart(self, nodeid: str, location) -> None:
        self.current = nodeid
        if self._live:
            self._live.update(self._render())

    # -- results ---------------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report: pytest.TestReport, config: pytest.Config):
        """Keep pytest's outcome categories but drop its letters: our lines replace them."""
        if not isinstance(report, pytest.TestReport) or hasattr(report, "wasxfail"):
            return None  # collection errors and xfail/xpass wording stay pytest's own
        outcome = outcome_of(report)
        if outcome is None:
            return ("", "", "")
        # The word stays: pytest's short summary ("FAILED nodeid - …") is built from it.
        return (outcome, "", outcome.upper())

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome = outcome_of(report)
        if outcome is None:
            return
        # A teardown error after a passed call replaces that result: one line per scenario.
        if report.when == "teardown" and self.results and self.results[-1].nodeid == report.nodeid:
            self.results.pop()
        res = result_of(report, outcome)
        self.results.append(res)
        if self._live:
            self._live.update(self._render())
        else:
            self._plain(res)

    def _plain(self, r: ProgressRow) -> None:
        width = len(str(self.total or ""))
        n = f"[{len(self.results):>{width}}/{self.total}]" if self.total else f"[{len(self.results)}]"
        extra = f" ({r.reason})" if r.reason and r.outcome != "passed" else ""
        self._emit(self.redact(f"{n} {r.profile} {r.scenario} {r.outcome}{extra}"))

    def _emit(self, renderable) -> None:
        """Print through pytest's terminal reporter (not captured), styled like it. A plain string is
        written as it is: unwrapped, so a CI log line greps whole, and no rich Console per line."""
        tr = self.config.pluginmanager.get_plugin("terminalreporter")
        if tr is None:
            Console(file=sys.stdout, highlight=False).print(Text(renderable) if isinstance(renderable, str) else renderable)
            return
        if isinstance(renderable, str):
            tr.ensure_newline()
            tr.write(renderable + "\n")
            return
        buf = io.StringIO()
        tw = self.config.get_terminal_writer()
        # Colour exactly when pytest colours (tty, --color, NO_COLOR/FORCE_COLOR all decided there).
        Console(file=buf, width=max(tw.fullwidth, 60), force_terminal=tw.hasmarkup, highlight=False,
                color_system="standard" if tw.hasmarkup else None).print(renderable)
        tr.ensure_newline()
        tr.write(buf.getvalue())

    def _render(self) -> Group:
        done = len(self.results)
        head = Text(self.redact(f"aigw-conformance {done}/{self.total}  running {self.current}"), style="bold")
        return Group(head, count_table(self.results, redact=self.redact))

    # -- end ---------------------------------------------------------------------------------
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._stop_live()

    def pytest_terminal_summary(self, terminalreporter, exitstatus: int, config: pytest.Config) -> None:
        self._stop_live()
        if not self.results:
            return
        results = self.results
        collector = config.pluginmanager.get_plugin("aigw-results")
        if collector is not None and collector.late_leaks:   # the end-of-run sweep's verdicts count too
            from aigw_conformance.report.late_leaks import by_scenario
            leaked = by_scenario(collector.late_leaks)
            results = [dataclasses.replace(r, outcome="failed", reason="upstream reached after the answer")
                       if r.scenario in leaked and r.outcome == "passed" else r for r in results]
        self._emit(summary_table(results, redact=self.redact))
        for line in failure_lines(results, redact=self.redact):
            self._emit(Text(line))

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self._stop_live()

    def _stop_live(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
