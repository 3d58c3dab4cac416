"""A gateway that answers 403 and forwards the request a moment later (the reference's
`forward-denied-late` fault) passes every step's check at answer time; the end-of-run sweep must
still fail those scenarios, in conformance.json, JUnit, allure and the exit code alike, serial and
under xdist. The faithful reference, same selection, stays green with nothing swept."""

from __future__ import annotations

import json

import pytest

from .runs import run

SELECT = "HDR-GOVERNANCE-NO-FALLBACK or HDR-FIRST-VALUE-WINS or HDR-BEARER-SCHEME-CASE"
DENYING = {"HDR-GOVERNANCE-NO-FALLBACK", "HDR-FIRST-VALUE-WINS"}   # send a request the gateway denies


def _allure_status(run_dir) -> dict[str, str]:
    out = {}
    for path in (run_dir / "allure-results").glob("*-result.json"):
        data = json.loads(path.read_text())
        out[data["name"].split(": ", 1)[0]] = data["status"]
    return out


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_late_forward_fails_the_denying_scenarios_everywhere(tmp_path, workers):
    res = run(tmp_path, "--aigw-fault", "forward-denied-late", "-k", SELECT, *workers)
    assert res.rc == 1, res.out[-3000:]
    outcomes = res.outcomes()
    assert {i for i, o in outcomes.items() if o == "failed"} == DENYING, outcomes
    assert all(o == "passed" for i, o in outcomes.items() if i not in DENYING)
    swept = {leak["scenario"] for leak in res.report["lateLeaks"]}
    assert swept == DENYING and all(leak["status"] == 403 for leak in res.report["lateLeaks"])
    assert res.junit_counts()["failure"] == len(DENYING)
    allure = _allure_status(res.run_dir)
    assert {i for i, s in allure.items() if s == "failed"} == DENYING, allure
    assert "reached the provider after its answer" in res.out and "Verdict: FAIL" in res.out


def test_the_faithful_reference_sweeps_nothing(tmp_path):
    res = run(tmp_path, "-k", SELECT)
    assert res.rc == 0, res.out[-3000:]
    assert res.report["lateLeaks"] == [] and set(res.outcomes().values()) == {"passed"}
    assert res.junit_counts()["failure"] == 0
