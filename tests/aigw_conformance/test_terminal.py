"""ProgressReporter inside real pytest sessions (subprocess), fed with the Seam 5 user_properties."""

from __future__ import annotations

import pytest

from pathlib import Path

from .ux_session import Session, run_session

from aigw_conformance.terminal import ProgressReporter, ProgressRow, use_live

SECRET = "Zx9sEcReTvAlUe123456"

CONFTEST = f'''
import pytest
from aigw_common.redaction import Redactor
from aigw_conformance.terminal import ProgressReporter

REDACTOR = Redactor()
REDACTOR.add_secret("{SECRET}")

def pytest_configure(config):
    config.pluginmanager.register(ProgressReporter(config, live=False, redact=REDACTOR.redact), "aigw-progress")

@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    if call.when == "call":
        sid, profile, reqs = item.callspec.params["case"]
        rep.user_properties += [("aigw_scenario", sid), ("aigw_profile", profile),
                                ("aigw_requirements", reqs), ("aigw_level", "MUST"),
                                ("aigw_suite", "s"),
                                ("aigw_evidence", ["reports/r1/traffic.har#flow-" + sid]),
                                ("aigw_outcome_reason", "token {SECRET} leaked" if sid == "B" else "")]
    return rep
'''

TESTS = '''
import pytest
CASES = [("A", "core", ["AUTH-HTTP-001"]), ("B", "core", ["AUTH-HTTP-002", "AUTH-TOKEN-002"]),
         ("C", "proxy", ["AUTH-PROXY-001"]), ("D", "proxy", ["AUTH-PROXY-003"])]

@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_scn(case):
    if case[0] == "D":
        pytest.skip("not-supported: target has no proxy")
    assert case[0] != "B", "AUTH-HTTP-002: expected 403, observed 200"
'''


def run(folder: Path, *args: str) -> Session:
    return run_session(folder, {"conftest.py": CONFTEST, "test_scn.py": TESTS}, *args)  # default verbosity


@pytest.fixture(scope="module")
def plain_session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return run(tmp_path_factory.mktemp("plain"))


def test_plain_lines_and_profile_summary(plain_session: Session) -> None:
    res = plain_session
    out = res.out
    assert res.rc == 1 and "1 failed, 2 passed, 1 skipped" in out, out + res.err
    # pytest's progress letters are replaced, not mixed into our lines.
    assert [ln for ln in out.splitlines() if ln.startswith("[")][:2] == ["[1/4] core A passed",
                                                                         "[2/4] core B failed (token <redacted:b729> leaked)"]
    assert "FAILED test_scn.py::test_scn[B] - AssertionError" in out
    assert "[2/4] core B failed" in out
    assert "[4/4] proxy D skipped (not-supported: target has no proxy)" in out
    # Summary: one row per profile, the failing requirement ids and the evidence pointer.
    table = out[out.index("results per profile"):]
    core = next(line for line in table.splitlines() if line.strip("│┃ ").startswith("core"))
    assert [c for c in core.split() if c != "│"][1:6] == ["1", "1", "0", "0", "AUTH-HTTP-002,"]
    assert "AUTH-TOKEN-002" in table and "flow-B" in table
    assert "FAILED core B [AUTH-HTTP-002, AUTH-TOKEN-002] → reports/r1/traffic.har#flow-B" in out
    proxy = next(line for line in table.splitlines() if line.strip("│┃ ").startswith("proxy"))
    assert "AUTH" not in proxy  # a skip is not a failing requirement


def test_secrets_never_reach_the_terminal(plain_session: Session) -> None:
    res = plain_session
    text = res.out + res.err
    assert SECRET not in text
    assert "core B failed (token <redacted:" in text


def test_counts_are_the_same_under_xdist(tmp_path: Path) -> None:
    res = run(tmp_path, "-p", "xdist.plugin", "-n", "2")
    out = res.out
    for line in ("core A passed", "core B failed", "proxy C passed", "proxy D skipped"):
        assert line in out
    assert "FAILED core B" in out


def test_live_panel_renders_counts(request: pytest.FixtureRequest) -> None:
    import io

    from rich.console import Console

    buf = io.StringIO()
    rep = ProgressReporter(request.config, live=True, console=Console(file=buf, width=100, force_terminal=False))
    rep.total = 2
    rep.results = [ProgressRow("n1", "A", "core", "passed"), ProgressRow("n2", "B", "core", "failed")]
    Console(file=buf, width=100).print(rep._render())
    text = buf.getvalue()
    assert "aigw-conformance 2/2" in text and "core" in text
    row = next(line for line in text.splitlines() if line.startswith("core"))
    assert [c for c in row.split() if c != "│"][1:] == ["1", "1", "0", "0"]


@pytest.mark.parametrize(("env", "tty", "expected"), [
    ({"CI": "true"}, True, False), ({"CI": ""}, True, True), ({"CI": ""}, False, False),
    ({"CI": "1"}, False, False),
])
def test_live_only_for_a_person_at_a_tty(monkeypatch, env, tty, expected) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("TERM", "xterm")

    class Stream:
        def isatty(self) -> bool:
            return tty
    assert use_live(Stream()) is expected


def _report(when: str, outcome: str, props: list, longrepr=None) -> pytest.TestReport:
    return pytest.TestReport("s.yaml::A", ("s.yaml", 1, "A"), {}, outcome, longrepr, when,
                             user_properties=props)


@pytest.mark.parametrize(("when", "outcome", "props", "expected"), [
    ("call", "passed", [], "passed"),
    ("call", "failed", [], "failed"),
    # the outcome comes from aigw_outcome, decided once by the item; a reason's wording never changes it
    ("call", "failed", [("aigw_outcome_reason", "error: connection refused after 2 tries")], "failed"),
    ("call", "failed", [("aigw_outcome", "error")], "error"),
    ("setup", "failed", [], "error"),
    ("setup", "skipped", [("aigw_outcome_reason", "not-supported: canary")], "skipped"),
    ("setup", "passed", [], None),
    ("teardown", "passed", [], None),
    ("teardown", "failed", [], "error"),
])
def test_outcome_table(when, outcome, props, expected) -> None:
    from aigw_conformance.terminal import outcome_of, result_of
    rep = _report(when, outcome, props, longrepr=("s.yaml", 1, "Skipped: x") if outcome == "skipped" else None)
    got = outcome_of(rep)
    if got is not None:
        got = result_of(rep, got).outcome
    assert got == expected


def test_collection_errors_keep_pytests_wording(tmp_path: Path) -> None:
    res = run_session(tmp_path, {"conftest.py": CONFTEST, "test_bad.py": "def broken(:\n"}, "-q")
    assert res.rc == 2
    assert "ERROR test_bad.py" in res.out
