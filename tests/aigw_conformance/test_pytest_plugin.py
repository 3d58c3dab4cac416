"""The plugin end to end with pytester: tiny YAML suites against a tiny loopback server."""

from __future__ import annotations

import json
import textwrap
import time

import pytest

from ..refusing_port import refusing_port
from .fakes import GOOD, FakeGateway, GarbageServer

pytest_plugins = ["pytester"]

SUITE = textwrap.dedent(f"""\
    suite: tiny
    profile: core
    scenarios:
      - id: TINY-OK
        requirement: [AUTH-HTTP-001]
        title: the good token is accepted
        requires: [provider:openai]
        steps:
          - request:
              route: openai.models
              headers: {{Authorization: "Bearer {GOOD}"}}
            expect: {{status: 200, headers: {{present: [Content-Type]}}}}
      - id: TINY-WRONG
        requirement: [AUTH-HTTP-002]
        title: a scenario whose expectation is wrong
        requires: [provider:openai]
        steps:
          - request:
              route: openai.models
              headers: {{Authorization: "Bearer not-a-token"}}
            expect: {{status: 200}}
      - id: TINY-PROXY
        requirement: [AUTH-HTTP-001]
        title: needs a proxy the target does not have
        requires: [proxy, provider:openai]
        steps:
          - request: {{route: openai.models}}
            expect: {{status: 200}}
    """)


def targets_yaml(url: str, tokens: str = "") -> str:
    return textwrap.dedent(f"""\
        targets:
          fake:
            kind: external
            base_url: {url}
            era: newest
            profiles: [core]
            providers: [openai]
            timeouts: {{connect: 2, read: 5, total: 10}}
        """) + (f"    tokens: {tokens}\n" if tokens else "")


# The fake's one valid token as the target's: a scenario that expects only denials runs only beside
# a valid token the gateway accepts (runner/controls.py); without one it is not supported.
WITH_VALID = f"{{source: static, values: {{valid: {GOOD}}}}}"


def setup_dir(pytester: pytest.Pytester, url: str, suite: str = SUITE, tokens: str = "") -> None:
    pytester.makeconftest('pytest_plugins = ["aigw_conformance.pytest_plugin"]\n')
    (pytester.path / "suites").mkdir()
    (pytester.path / "suites" / "tiny.yaml").write_text(suite)
    (pytester.path / "targets.yaml").write_text(targets_yaml(url, tokens))


def run(pytester: pytest.Pytester, *extra: str):
    return pytester.runpytest("suites", "-p", "no:cacheprovider", "--aigw-target", "fake",
                              "--aigw-targets-file", "targets.yaml", "--aigw-capture", "off",
                              "--aigw-report-dir", "reports", "--aigw-run-id", "r1", "-p", "no:randomly", *extra)


def report(pytester: pytest.Pytester) -> dict:
    return json.loads((pytester.path / "reports" / "r1" / "conformance.json").read_text())


def outcomes(rep: dict) -> dict:
    return {s["id"]: s["outcome"] for s in rep["scenarios"]}


def test_pass_fail_and_not_supported(pytester):
    with FakeGateway() as gw:
        setup_dir(pytester, gw.url)
        result = run(pytester)
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    text = result.stdout.str()
    # the failure names the requirement, the expected and the observed value, in one paragraph
    assert "TINY-WRONG violates AUTH-HTTP-002" in text
    assert "status: expected 200, observed 401" in text
    assert "Traceback" not in text
    assert "core TINY-PROXY skipped (not-supported: target lacks proxy)" in text, text
    rep = report(pytester)
    assert outcomes(rep) == {"TINY-OK": "passed", "TINY-WRONG": "failed", "TINY-PROXY": "not-supported"}
    proxy = next(s for s in rep["scenarios"] if s["id"] == "TINY-PROXY")
    assert proxy["reason"] == "not-supported: target lacks proxy"
    assert rep["verdict"]["result"] == "fail"
    assert (pytester.path / "reports" / "latest" / "conformance.json").exists()


def test_enforce_turns_not_supported_into_failure(pytester):
    with FakeGateway() as gw:
        setup_dir(pytester, gw.url)
        result = run(pytester, "--aigw-enforce", "-k", "PROXY")
    result.assert_outcomes(failed=1)
    assert "not-supported: target lacks proxy" in result.stdout.str()
    assert outcomes(report(pytester)) == {"TINY-PROXY": "failed"}


def test_unreachable_target_errors_quickly_and_run_goes_on(pytester):
    with refusing_port() as port:
        setup_dir(pytester, f"http://127.0.0.1:{port}")
        start = time.monotonic()
        result = run(pytester)
    assert time.monotonic() - start < 20
    rep = report(pytester)
    assert outcomes(rep) == {"TINY-OK": "error", "TINY-WRONG": "error", "TINY-PROXY": "not-supported"}
    assert rep["verdict"]["result"] == "inconclusive"
    assert "connection refused by 127.0.0.1" in next(s["reason"] for s in rep["scenarios"] if s["id"] == "TINY-OK")
    # a target that cannot be reached is an error of each scenario, never a failure (JUnit <error>)
    result.assert_outcomes(passed=0, skipped=1, errors=2)


def test_garbage_answer_is_an_error(pytester):
    with GarbageServer() as g:
        setup_dir(pytester, g.url)
        run(pytester, "-k", "OK")
    assert outcomes(report(pytester)) == {"TINY-OK": "error"}


def test_bad_suite_is_a_located_collection_error(pytester):
    bad = SUITE.replace("    title: a scenario whose", "    titel: a scenario whose")
    with FakeGateway() as gw:
        setup_dir(pytester, gw.url, bad)
        result = run(pytester)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    text = result.stdout.str()
    assert "tiny.yaml, line 15" in text and "titel" in text
    assert "Traceback" not in text and "pydantic" not in text


def test_marks_and_keywords_select(pytester):
    with FakeGateway() as gw:
        setup_dir(pytester, gw.url)
        result = run(pytester, "-m", "core and must", "-k", "AUTH-HTTP-002")
    result.assert_outcomes(failed=1)


def test_profile_option_deselects(pytester):
    with FakeGateway() as gw:
        setup_dir(pytester, gw.url)
        result = run(pytester, "--aigw-profile", "proxy")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_bad_option_is_a_usage_error(pytester):
    with refusing_port() as port:
        setup_dir(pytester, f"http://127.0.0.1:{port}")
        result = run(pytester, "--aigw-capture", "maybe")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--aigw-capture must be on or off" in result.stderr.str()


RECORDER = '''
import gc, json, pathlib
pytest_plugins = ["aigw_conformance.pytest_plugin"]
seen = {}

def pytest_collection_finish(session):
    seen["collecting"] = gc.isenabled()

def pytest_unconfigure(config):
    seen["after"] = gc.isenabled()
    pathlib.Path("gc-seen.json").write_text(json.dumps(seen))
'''


def test_suites_are_collected_with_automatic_collection_off(pytester):
    """Each automatic collection would rescan all that collecting built (aigw_conformance.heap)."""
    with refusing_port() as port:
        setup_dir(pytester, f"http://127.0.0.1:{port}")
        pytester.makeconftest(RECORDER)
        result = run(pytester, "--collect-only", "-q")
    assert "3 tests collected" in result.stdout.str(), result.stdout.str()
    assert json.loads((pytester.path / "gc-seen.json").read_text()) == {"collecting": False, "after": True}


ORDER_SUITE = textwrap.dedent(f"""\
    suite: order
    profile: core
    scenarios:
      - id: ORDER-QUIET-1
        requirement: [AUTH-HTTP-001]
        requires: [provider:openai]
        steps: &quiet
          - request: {{route: openai.models, headers: {{Authorization: "Bearer {GOOD}"}}}}
            expect: {{status: 200}}
      - id: ORDER-DENIED
        requirement: [AUTH-HTTP-002]
        requires: [provider:openai]
        steps:
          - request: {{route: openai.models, headers: {{Authorization: "Bearer not-a-token"}}}}
            expect: {{status: 401}}
      - id: ORDER-QUIET-2
        requirement: [AUTH-HTTP-001]
        requires: [provider:openai]
        steps: *quiet
      - id: ORDER-OPEN
        requirement: [AUTH-HTTP-002]
        requires: [provider:openai]
        steps:
          - request: {{route: openai.models}}
    """)


def test_scenarios_that_expect_no_denial_run_last_and_collect_only_keeps_the_file_order(pytester):
    """The leak sweep waits half a second after the last denied request; the quiet scenarios at the
    end cover that wait (aigw_conformance.schedule). A listing stays in file order."""
    with FakeGateway() as gw:
        setup_dir(pytester, gw.url, ORDER_SUITE, WITH_VALID)
        result = run(pytester, "-v")
        listed = run(pytester, "--collect-only", "-q")
    ran = [line.split("::")[1].split()[0] for line in result.stdout.lines if "::ORDER-" in line and "PASSED" in line]
    assert ran == ["ORDER-DENIED", "ORDER-OPEN", "ORDER-QUIET-1", "ORDER-QUIET-2"], result.stdout.str()
    assert [line.split("::")[1] for line in listed.stdout.lines if "::ORDER-" in line] == [
        "ORDER-QUIET-1", "ORDER-DENIED", "ORDER-QUIET-2", "ORDER-OPEN"]
