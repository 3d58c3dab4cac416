"""YAML suites as pytest collectors: one YamlFile per suite file, one ScenarioItem per Case.

The whole file is loaded and validated in `collect()` (a bad file is one collection error showing
only the located paragraph). Items carry marks (profile, level, allure labels) and requirement ids
as keywords so `-m` and `-k` select them; they take the run from the harness plugin object in
config.stash, never from fixtures.

Phases carry meaning: the case runs in `setup()`, because getting the gateway's answer is what can
fail for reasons that are not the gateway's fault. A transport or target error therefore raises
there and is an *error* (pytest, JUnit `<error>`, allure "broken"); a Mismatch is raised in
`runtest()` and is a *failure*; a case the target cannot serve is skipped with its reason.
"""

from __future__ import annotations


import pytest

from aigw_conformance.errors import AigwError, ConfigError, Mismatch, MismatchDetail, ScenarioError
from aigw_conformance.features import mark_name
from aigw_conformance.harness import HARNESS_KEY, Harness
from aigw_conformance.outcome import Outcome, decide
from aigw_conformance.runner.case import CaseContext, CaseState, NotRunnable, run_case

from aigw_conformance.scenario.discovery import is_suite_file  # noqa: F401 - by content, under named roots


class YamlFile(pytest.File):
    def collect(self):
        harness: Harness = self.config.stash[HARNESS_KEY]
        try:
            from aigw_conformance.scenario.expand import expand
            from aigw_conformance.scenario.loader import load_suites
            inputs = harness.inputs()
            suites = load_suites([self.path], inputs.catalogue, routes=inputs.routes, malformed=inputs.malformed)
            cases = [(suite, case) for suite in suites
                     for case in expand(suite, inputs.catalogue, malformed=inputs.malformed)]
        except (ScenarioError, ConfigError) as exc:
            raise self.CollectError(harness.redactor.redact(str(exc))) from None
        for suite, case in cases:
            yield ScenarioItem.from_parent(self, name=case.test_id, suite=suite, case=case)


class ScenarioItem(pytest.Item):
    def __init__(self, *, suite, case, **kwargs) -> None:
        super().__init__(**kwargs)
        self.suite = suite
        self.case = case
        scn = case.scenario
        self.requirements = list(scn.requirement)
        self.profile = str(case.profile)
        self.level = str(case.level)
        self._outcome: Outcome | None = None
        self._mismatch: Mismatch | None = None
        self.add_marker(mark_name(self.profile))
        self.add_marker(mark_name(self.level))
        for value, label in ((self.profile, "epic"), (suite.suite, "feature"), (self.profile, "profile"),
                             (suite.suite, "suite"), (self.level, "level"),
                             ("critical" if self.level == "MUST" else "normal", "severity")):
            self.add_marker(pytest.mark.allure_label(value, label_type=label))
        for req in self.requirements:
            self.extra_keyword_matches.add(req)
            self.add_marker(pytest.mark.allure_label(req, label_type="story"))
            self.add_marker(pytest.mark.allure_label(req, label_type="requirement"))
        self.user_properties += [
            ("aigw_scenario", case.test_id), ("aigw_requirements", list(self.requirements)),
            ("aigw_profile", self.profile), ("aigw_level", self.level), ("aigw_suite", suite.suite),
            ("aigw_title", scn.title or ""),
        ]

    @property
    def harness(self) -> Harness:
        return self.config.stash[HARNESS_KEY]

    # -- pytest protocol ------------------------------------------------------------------
    def setup(self) -> None:
        harness = self.harness
        state = CaseState()
        error: BaseException | None = None
        try:
            run = harness.run()      # an unreachable target is an error of every scenario
            run_case(CaseContext(run, self.case, self.nodeid, harness.attach), state)
        except Mismatch as exc:
            self._mismatch = exc
        except BaseException as exc:  # noqa: BLE001 - decided below, re-raised as it was
            error = exc
        self._outcome = decide(self._mismatch or error, harness.redactor.redact)
        if isinstance(error, NotRunnable) and error.reason.startswith("not-supported") and harness.options.enforce:
            self._outcome = Outcome("failed", error.reason)
            self._mismatch = Mismatch(self.case.test_id, self.requirements,
                                      [MismatchDetail("target support", "the feature (--aigw-enforce)", error.reason)])
            error = None
        self.user_properties += [("aigw_outcome", self._outcome.outcome),
                                 ("aigw_outcome_reason", self._outcome.reason),
                                 ("aigw_error_kind", self._outcome.error_kind),
                                 ("aigw_evidence", list(state.evidence))]
        if isinstance(error, NotRunnable):
            pytest.skip(error.reason)
        if error is not None:
            raise error

    def runtest(self) -> None:
        if self._mismatch is not None:
            raise self._mismatch

    def teardown(self) -> None:
        # allure-pytest renames the test after setup; a title set now is the one that stays
        self.harness.title(f"{self.case.test_id}: {self.case.scenario.title or ''}".rstrip(": "))

    def repr_failure(self, excinfo, style=None):
        redact = self.harness.redactor.redact
        if isinstance(excinfo.value, AigwError):
            return redact(str(excinfo.value))
        return redact(str(super().repr_failure(excinfo, style=style)))

    def reportinfo(self):
        line = int(getattr(self.case.scenario, "line", 0) or 0)
        return self.path, max(line - 1, 0), f"scenario {self.case.test_id}"


def setup_error_report(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport | None:
    """The report of a scenario whose setup ended in the harness's own error: the paragraph only.

    pytest formats setup errors with the whole traceback (it uses `repr_failure` for the call phase
    only): for a dead target that is pytest's and httpx's frames, half a second and hundreds of
    lines per scenario, where the paragraph says everything."""
    if not isinstance(item, ScenarioItem) or call.when != "setup" or call.excinfo is None:
        return None
    exc = call.excinfo.value
    if not isinstance(exc, AigwError):
        return None   # a harness bug keeps its traceback
    return pytest.TestReport(item.nodeid, item.location, {k: 1 for k in item.keywords}, "failed",
                             item.harness.redactor.redact(str(exc)), "setup", duration=call.duration,
                             start=call.start, stop=call.stop, user_properties=item.user_properties)


__all__ = ["YamlFile", "ScenarioItem", "is_suite_file", "setup_error_report"]
