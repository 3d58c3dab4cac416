"""`aigw-conformance explain ID` through the real CLI entry point, on files written in tmp_path."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from aigw_conformance import cli, exitcodes, resources
from aigw_conformance.commands import explain

ROOT = Path(__file__).resolve().parents[3]

SECRET_TOKEN = "AbCdEf1234-QwErTyUiOpAsDfGhJkLzXc"

PROTOCOL = """### 1.3 HTTP layer
**AUTH-HTTP-001: Bearer.** The gateway MUST read the token from `Authorization: Bearer`.
*Test:* a valid token → 200.

**AUTH-HTTP-002: X-Api-Key.** The gateway MUST read `X-Api-Key` too.

## 2. Open questions
"""

REQS = """- {id: AUTH-HTTP-001, profile: core, level: MUST, title: Bearer token}
- {id: AUTH-HTTP-002, profile: core, level: MUST, title: X-Api-Key token}
- {id: AUTH-HTTP-009, profile: core, level: SHOULD, title: uncovered}
"""

SUITE = """suite: header-paths
profile: core
scenarios:
  - id: HDR-BEARER-OK
    requirement: [AUTH-HTTP-001]
    title: A valid token in Authorization Bearer is accepted
    steps: []
  - id: HDR-XAPI-OK
    requirement: [AUTH-HTTP-002, AUTH-HTTP-001]
    title: A valid token in X-Api-Key is accepted
    steps: []
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "protocol.md").write_text(PROTOCOL)
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "requirements.yaml").write_text(REQS)
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "header-paths.yaml").write_text(SUITE)
    run = tmp_path / "reports" / "run-7"
    run.mkdir(parents=True)
    (run / "conformance.json").write_text(json.dumps({
        "date": "2026-11-29T03:00:00Z", "verdict": {"result": "fail"},
        "requirements": {"AUTH-HTTP-002": {"verdict": "failure", "scenarios": ["HDR-XAPI-OK"]}},
        "scenarios": [
            {"id": "HDR-BEARER-OK", "outcome": "passed", "requirements": ["AUTH-HTTP-001"], "evidence": []},
            {"id": "HDR-XAPI-OK", "outcome": "failed", "requirements": ["AUTH-HTTP-002", "AUTH-HTTP-001"],
             "reason": f"expected 200, observed 403 for {SECRET_TOKEN}",
             "evidence": ["traffic.har#flow-42", "handshakes.jsonl"]}]}))
    (tmp_path / "reports" / "latest").symlink_to("run-7")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(resources, "data_root", lambda: tmp_path)  # explain's defaults: the shipped data
    # These fixtures are minimal, not full scenarios: read them with explain's own YAML reader so
    # the test does not depend on the scenario loader's validation (tested in tests/aigw_conformance/scenario).
    monkeypatch.setattr(explain, "load_scenarios", lambda suites, reqs: explain._scenarios_from_yaml(
        sorted(suites.glob("*.yaml"))))
    # explain reads a report written (and redacted) earlier; it masks token shapes once more
    return tmp_path


def test_requirement_shows_rule_scenarios_and_evidence(repo: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["explain", "AUTH-HTTP-002"]) == exitcodes.OK
    out = capsys.readouterr().out
    assert out.startswith("AUTH-HTTP-002  [core · MUST]  X-Api-Key token")
    assert "The gateway MUST read `X-Api-Key` too." in out
    assert "AUTH-HTTP-001: Bearer" not in out  # only this rule's paragraph
    assert "  HDR-XAPI-OK  A valid token in X-Api-Key is accepted  (suites/header-paths.yaml:8)" in out
    assert "HDR-BEARER-OK  A valid" not in out
    assert "requirement verdict: failure" in out
    assert "evidence: traffic.har#flow-42" in out
    assert SECRET_TOKEN not in out and "AbCdEf1234-<redacted:" in out


def test_uncovered_requirement_says_so(repo: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["explain", "AUTH-HTTP-009"]) == exitcodes.OK
    out = capsys.readouterr().out
    assert "none: this requirement is not covered" in out
    assert "no scenario of this id ran in that run" in out


def test_scenario_shows_requirements_and_outcome(repo: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["explain", "HDR-BEARER-OK"]) == exitcodes.OK
    out = capsys.readouterr().out
    assert "AUTH-HTTP-001 [MUST] **AUTH-HTTP-001: Bearer.**" in out
    assert "HDR-BEARER-OK: passed" in out and "HDR-XAPI-OK: failed" not in out


def test_without_a_run_it_says_where_the_evidence_would_be(repo: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["explain", "HDR-BEARER-OK", "--run", "reports/none"]) == exitcodes.OK
    assert "Last run: none (reports/none/conformance.json not found" in capsys.readouterr().out


def test_unknown_id_is_an_input_error_with_suggestions(repo: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["explain", "AUTH-HTTP-0002"]) == exitcodes.INVALID_INPUT
    err = capsys.readouterr().err
    assert "AUTH-HTTP-0002: not a requirement id" in err and "Did you mean AUTH-HTTP-002" in err
    assert "Traceback" not in err


def test_bad_yaml_names_the_file_and_line(repo: Path, capsys: pytest.CaptureFixture) -> None:
    (repo / "fixtures" / "requirements.yaml").write_text("- {id: X\n- : :\n")
    assert cli.main(["explain", "AUTH-HTTP-001"]) == exitcodes.INVALID_INPUT
    err = capsys.readouterr().err
    # Named by explain's own reader ("file:2") or the catalogue loader ("file, line 2").
    assert re.search(r"fixtures/requirements\.yaml(:|, line )2", err) and "not valid YAML" in err


@pytest.mark.skipif(not (ROOT / "fixtures" / "requirements.yaml").exists() or not (ROOT / "suites").is_dir(),
                    reason="the repository's fixtures/requirements.yaml and suites/ are not written yet")
def test_explains_the_real_catalogue(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    reqs = explain.load_requirements(ROOT / "fixtures" / "requirements.yaml")
    scns = explain.load_scenarios(ROOT / "suites", ROOT / "fixtures" / "requirements.yaml")
    covered = next(s for s in scns if s.requirements)
    assert cli.main(["explain", covered.requirements[0], "--run", "reports/none"]) == exitcodes.OK
    out = capsys.readouterr().out
    assert out.startswith(covered.requirements[0]) and covered.id in out
    assert covered.requirements[0] in reqs
