"""YAML suites as pytest collectors: one YamlFile per suites/*.yaml, one ScenarioItem per Case.

The whole file is loaded and validated in `collect()` (a bad file is one collection error showing
only the located paragraph). Items carry marks (profile, level) and requirement ids as keywords
so `-m` and `-k` select them; they take shared resources from the run context in config.stash,
never from fixtures.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aigw_conformance.errors import AigwError, ConfigError, Mismatch, ScenarioError, TargetError
from aigw_conformance.redact import REDACTOR, redact

from .runner.execute import CaseRun
from .session import RunContext

RUN_KEY = pytest.StashKey[RunContext]()
_SCENARIOS_KEY = re.compile(r"^scenarios\s*:", re.MULTILINE)


def is_suite_file(path: Path) -> bool:
    if path.suffix not in (".yaml", ".yml") or "suites" not in path.parts:
        return False
    try:
        return bool(_SCENARIOS_KEY.search(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return False


def mark_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text).lower()


class YamlFile(pytest.File):
    def collect(self):
        rc: RunContext = self.config.stash[RUN_KEY]
        try:
            from aigw_conformance.scenario.expand import expand
            from aigw_conformance.scenario.loader import load_suites
            fx = rc.fixtures()
            suites = load_suites([self.path], rc.catalogue(), **fx)
            cases = [(suite, case) for suite in suites
                     for case in expand(suite, rc.catalogue(), malformed=fx["malformed"])]
        except (ScenarioError, ConfigError) as exc:
            raise self.CollectError(redact(str(exc))) from None
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
        self.add_marker(mark_name(self.profile))
        self.add_marker(mark_name(self.level))
        self.add_marker(pytest.mark.allure_label(self.profile, label_type="epic"))
        self.add_marker(pytest.mark.allure_label(suite.suite, label_type="feature"))
        self.add_marker(pytest.mark.allure_label("critical" if self.level == "MUST" else "normal",
                                                 label_type="severity"))
        for req in self.requirements:
            self.extra_keyword_matches.add(req)
            self.add_marker(pytest.mark.allure_label(req, label_type="story"))
        self.user_properties += [
            ("aigw_scenario", case.test_id), ("aigw_requirements", list(self.requirements)),
            ("aigw_profile", self.profile), ("aigw_level", self.level), ("aigw_suite", suite.suite),
            ("aigw_title", scn.title or ""),
        ]

    # -- pytest protocol ------------------------------------------------------------------
    def setup(self) -> None:
        # Starting the target is the setup: an unreachable target is an *error*, not a failure.
        self.config.stash[RUN_KEY].ensure_started()

    def runtest(self) -> None:
        rc: RunContext = self.config.stash[RUN_KEY]
        scn = self.case.scenario
        self._allure_labels()
        reason = skip_reason(rc, scn)
        if reason:
            self.user_properties.append(("aigw_outcome_reason", reason))
            if rc.options.enforce and reason.startswith("not-supported"):
                raise Mismatch(self.case.test_id, self.requirements,
                               [_detail("target support", "the feature (--aigw-enforce)", reason)])
            pytest.skip(reason)
        run = None
        try:
            tokens = acquire_tokens(rc, scn, self.case.test_id)
            from aigw_conformance.scenario.templating import render
            run = CaseRun(rc, self.case, self.nodeid, tokens, _attach, render)
            run.run(list(scn.steps))
        except TargetError as exc:
            self.user_properties.append(("aigw_outcome", "error"))
            self.user_properties.append(("aigw_outcome_reason", redact(str(exc))))
            raise
        except Mismatch as exc:
            self.user_properties.append(("aigw_outcome_reason", redact(str(exc))))
            raise
        finally:
            if run is not None:
                self.user_properties.append(("aigw_evidence", list(run.evidence)))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, AigwError):
            return redact(str(excinfo.value))
        return redact(str(super().repr_failure(excinfo, style=style)))

    def reportinfo(self):
        line = int(getattr(self.case.scenario, "line", 0) or 0)
        return self.path, max(line - 1, 0), f"scenario {self.case.test_id}"

    def _allure_labels(self) -> None:
        try:
            import allure
        except ImportError:
            return
        allure.dynamic.title(f"{self.case.test_id}: {self.case.scenario.title or ''}".rstrip(": "))
        allure.dynamic.label("profile", self.profile)
        allure.dynamic.label("suite", self.suite.suite)
        allure.dynamic.label("level", self.level)
        for req in self.requirements:
            allure.dynamic.label("requirement", req)


def _detail(check: str, expected: str, observed: str):
    from aigw_conformance.errors import MismatchDetail
    return MismatchDetail(check, expected, observed)


def _attach(name: str, text: str) -> None:
    try:
        import allure
    except ImportError:
        return
    allure.attach(redact(text), name=name, attachment_type=allure.attachment_type.TEXT)


def skip_reason(rc: RunContext, scn) -> str | None:
    """Why the target cannot serve this scenario ("not-supported: …"/"skipped: …"), or None."""
    features = set(getattr(rc.target, "features", ()) or ())
    missing = [f for f in scn.requires if f not in features]
    if missing:
        return f"not-supported: target lacks {', '.join(missing)}"
    era = getattr(rc.target, "era", None) or rc.options.era
    from aigw_conformance.eras import describe, runs_in   # [protocol] era lists (issue 15)
    if not runs_in(scn.era, era):
        return f"skipped: scenario is for the {describe(scn.era)} era, target is {era}"
    for name, spec in scn.tokens.items():
        if spec.kind == "none" or spec.kind.startswith("malformed:"):
            continue  # served from the catalogue, whatever the token source
        if rc.broker is None:
            return f"not-supported: the target has no token source (token {name!r} of kind {spec.kind})"
        ok = rc.broker.supports(spec.kind)
        if ok is not True:
            return f"not-supported: token kind {spec.kind!r}: {ok or 'not available from this token source'}"
    return None


def acquire_tokens(rc: RunContext, scn, test_id: str) -> dict:
    tokens: dict = {}
    for name, spec in scn.tokens.items():
        if spec.kind == "none":
            tokens[name] = ""
            continue
        if spec.kind.startswith("malformed:"):
            tokens[name] = rc.fixtures()["malformed"].get(spec.kind.split(":", 1)[1])
            continue
        tok = rc.broker.get(spec.kind, user=spec.user, label=f"{test_id}:{name}")
        REDACTOR.add_token(getattr(tok, "value", None) or str(tok))
        tokens[name] = tok
    return tokens
