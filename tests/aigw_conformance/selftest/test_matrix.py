"""Table tests for the pure detection-matrix compiler and its writers."""

from __future__ import annotations

import json

import pytest

from aigw_conformance.selftest import RunOutcome, compile_matrix, exit_code, summary_lines, write_matrix
from aigw_conformance.selftest.writers import to_markdown

CATALOGUE = {"f-cite": ("REQ-A", "breaks A"), "f-weak": ("REQ-B", "breaks B"),
             "f-miss": ("REQ-C", "breaks C"), "f-crash": ("REQ-A", "crashes")}


def scen(sid, outcome, *reqs, profile="core", reason=""):
    return {"id": sid, "outcome": outcome, "requirements": list(reqs), "profile": profile, "reason": reason}


def run(*scenarios, problem="", rc=0):
    return RunOutcome(report={"scenarios": list(scenarios)}, returncode=rc, seconds=1.0, problem=problem)


FAITHFUL = run(scen("S1", "passed", "REQ-A"), scen("S2", "passed", "REQ-X"),
               scen("S3", "skipped", "REQ-B", reason="needs a proxy"))


@pytest.mark.parametrize("fault_run, status, citing, failed", [
    (run(scen("S1", "failed", "REQ-A"), scen("S2", "passed", "REQ-X")), "caught", ["S1"], ["S1"]),
    (run(scen("S1", "failed", "REQ-A"), scen("S2", "failed", "REQ-X")), "caught", ["S1"], ["S1", "S2"]),
    # errors are no detection: the harness got no answer to judge
    (run(scen("S1", "error", "REQ-A"), scen("S2", "failed", "REQ-X")), "weak", [], ["S2"]),
    (run(scen("S1", "error", "REQ-A"), scen("S2", "passed", "REQ-X")), "missed", [], []),
    (run(scen("S1", "passed", "REQ-A"), scen("S2", "failed", "REQ-X")), "weak", [], ["S2"]),
    (run(scen("S1", "passed", "REQ-A"), scen("S2", "passed", "REQ-X")), "missed", [], []),
    # a scenario skipped in the faithful run is no evidence of detection
    (run(scen("S1", "passed", "REQ-A"), scen("S3", "failed", "REQ-A")), "missed", [], []),
    (RunOutcome(report=None, returncode=None, problem="timed out after 5 s"), "missed", [], []),
    (run(scen("S1", "failed", "REQ-A"), problem="run exited 4"), "missed", ["S1"], ["S1"]),
    (None, "missed", [], []),
])
def test_fault_status(fault_run, status, citing, failed):
    m = compile_matrix(FAITHFUL, {"f-cite": fault_run}, CATALOGUE)
    row = m["faults"][0]
    assert (row["status"], row["citing_scenarios"], row["failed_scenarios"]) == (status, citing, failed)
    assert row["caught"] == (status != "missed") and row["caught_by_citing"] == (status == "caught")
    assert m["ok"] == (status != "missed") and exit_code(m) == (0 if m["ok"] else 1)


@pytest.mark.parametrize("faithful, ok", [
    (FAITHFUL, True),
    (run(scen("S1", "failed", "REQ-A")), False),
    (run(scen("S1", "error", "REQ-A")), False),
    (run(), False),                                         # nothing ran is not a pass
    (RunOutcome(report=None, problem="no conformance.json written"), False),
    (None, False),
])
def test_faithful_must_pass_everything(faithful, ok):
    m = compile_matrix(faithful, {}, CATALOGUE)
    assert m["faithful"]["ok"] is ok and m["ok"] is ok and m["totals"]["faithful_ok"] is ok


def test_totals_skips_and_unknown_fault():
    m = compile_matrix(FAITHFUL, {"f-cite": run(scen("S1", "failed", "REQ-A")),
                                  "f-weak": run(scen("S2", "failed", "REQ-X")),
                                  "f-miss": run(scen("S1", "passed", "REQ-A")),
                                  "f-new": run(scen("S1", "failed", "REQ-A"))}, CATALOGUE, wall_seconds=12.345)
    assert m["totals"] == {"faults": 4, "caught": 1, "weak": 2, "missed": 1, "faithful_ok": True,
                           "wall_seconds": 12.35, "by_profile": {"?": 4}}
    assert m["faithful"]["skipped"] == [{"id": "S3", "outcome": "skipped", "reason": "needs a proxy"}]
    assert [r["fault"] for r in m["faults"]] == ["f-cite", "f-miss", "f-new", "f-weak"]
    assert next(r for r in m["faults"] if r["fault"] == "f-new")["requirement"] == "?"


def test_without_faithful_baseline_every_failure_counts():
    m = compile_matrix(None, {"f-cite": run(scen("S9", "failed", "REQ-A"))}, CATALOGUE)
    assert m["faults"][0]["status"] == "caught" and not m["ok"]


def test_writers_render_every_row_and_redact(tmp_path):
    # what a crashed child run printed is masked by shape: the parent never knew its secrets
    m = compile_matrix(FAITHFUL, {"f-cite": run(scen("S1", "failed", "REQ-A")),
                                  "f-weak": run(scen("S2", "failed", "REQ-X")),
                                  "f-miss": RunOutcome(report=None, problem="crashed SeLfTeSt12-abcdefghijklmnopqrstuv")},
                       CATALOGUE, stamp="T1", selection=("-k", "S1"))
    js, md = write_matrix(m, tmp_path / "out")
    assert json.loads(js.read_text())["totals"]["missed"] == 1
    text = md.read_text()
    for needle in ("`f-cite`", "`f-weak`", "`f-miss`", "## Weaknesses", "| S3 | skipped | needs a proxy |",
                   "Selection: `-k S1`", "FAILED"):
        assert needle in text
    for out in (text, js.read_text(), "\n".join(summary_lines(m))):
        assert "abcdefghijklmnopqrstuv" not in out
    lines = summary_lines(m)
    assert lines[0].startswith("Self-test: FAILED") and any(l.lstrip().startswith("WEAK") for l in lines)
    assert any(l.lstrip().startswith("MISSED   f-miss") or "MISSED f-miss" in l for l in lines)


def test_markdown_truncates_long_lists_but_json_keeps_them():
    many = [scen(f"S{i:02d}", "failed", "REQ-A") for i in range(10)]
    base = run(*[scen(f"S{i:02d}", "passed", "REQ-A") for i in range(10)])
    m = compile_matrix(base, {"f-cite": run(*many)}, CATALOGUE)
    assert len(m["faults"][0]["failed_scenarios"]) == 10
    assert "(+4 more)" in to_markdown(m)


@pytest.mark.parametrize("req, profile", [("AUTH-VALIDATE-001", "core"), ("AUTH-PATH-001", "core"),
                                          ("AUTH-LIFECYCLE-005", "lifecycle"), ("AUTH-BYOK-006", "credential-modes"),
                                          ("AUTH-PROXY-004", "proxy"), ("AUTH-CLIENT-005", "clients"), ("REQ-A", "?")])
def test_profile_of_requirement(req, profile):
    from aigw_conformance.selftest.matrix import profile_of
    assert profile_of(req) == profile


def test_every_profile_has_faults_in_the_catalogue():
    from aigw_conformance.selftest.matrix import profile_of
    from aigw_reference.faults import FAULTS
    profiles = {profile_of(req) for req, _ in FAULTS.values()}
    assert {"core", "lifecycle", "credential-modes", "proxy", "clients"} <= profiles and len(FAULTS) >= 25


def test_unstable_scenarios_are_not_detection():
    fault = run(scen("S1", "passed", "REQ-A"), scen("S2", "failed", "REQ-A"))
    assert compile_matrix(FAITHFUL, {"f-cite": fault}, CATALOGUE)["faults"][0]["status"] == "caught"
    m = compile_matrix(FAITHFUL, {"f-cite": fault}, CATALOGUE, unstable=frozenset({"S2"}))
    assert m["faults"][0]["status"] == "missed" and m["unstable_scenarios"] == ["S2"]
    assert "Not counted as detection" in to_markdown(m)


# -- issue 15: a faithful run per era, faults judged against their own era, coverage per requirement
def test_fault_is_compared_with_the_faithful_run_of_its_era():
    newest = run(scen("S1", "passed", "REQ-A"))
    authz = run(scen("M1", "passed", "REQ-M"), scen("M2", "passed", "REQ-M"))
    fault = run(scen("M1", "failed", "REQ-M"), scen("M2", "passed", "REQ-M"))
    cat = {"f-m": ("REQ-M", "breaks M")}
    m = compile_matrix(newest, {"f-m": fault}, cat, faithful_eras={"model-authz": authz},
                       fault_eras={"f-m": "model-authz"})
    row = m["faults"][0]
    assert (row["status"], row["era"], row["citing_scenarios"]) == ("caught", "model-authz", ["M1"])
    # against the newest baseline (where M1 never ran) the same run proves nothing
    assert compile_matrix(newest, {"f-m": fault}, cat)["faults"][0]["status"] == "missed"


def test_every_faithful_era_must_pass():
    bad = run(scen("M1", "failed", "REQ-M"))
    m = compile_matrix(FAITHFUL, {}, CATALOGUE, faithful_eras={"model-authz": bad})
    assert not m["ok"] and not m["totals"]["faithful_ok"] and m["faithful_eras"]["model-authz"]["failed"] == ["M1"]
    assert any("faithful model-authz FAILED: M1" in line for line in summary_lines(m))


def test_coverage_counts_independent_passed_paths_per_requirement():
    newest = run(scen("V[a]", "passed", "REQ-A"), scen("V[b]", "passed", "REQ-A"), scen("W", "passed", "REQ-A", "REQ-B"),
                 scen("X", "failed", "REQ-C"), scen("Y", "skipped", "REQ-D"))
    authz = run(scen("V[a]", "passed", "REQ-A"))
    m = compile_matrix(newest, {}, CATALOGUE, faithful_eras={"model-authz": authz},
                       requirements=["REQ-A", "REQ-B", "REQ-C", "REQ-D", "REQ-E"])
    cov = m["coverage"]
    assert cov["REQ-A"] == {"scenarios": 2, "cases": 4, "eras": ["model-authz", "newest"]}
    assert cov["REQ-B"] == {"scenarios": 1, "cases": 1, "eras": ["newest"]}
    # failed, skipped and unchecked requirements have no path at all
    assert cov["REQ-C"]["cases"] == cov["REQ-D"]["cases"] == cov["REQ-E"]["cases"] == 0
    md = to_markdown(m)
    assert "## Coverage per requirement" in md and "| REQ-E (thin) | 0 | 0 | - |" in md
    assert any(line.startswith("  thin coverage") and "REQ-B" in line for line in summary_lines(m))
