"""compile_report (pure) by table, the JSON schema, the gate's exit codes, expected failures."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest

from aigw_conformance import exitcodes
from aigw_conformance.cli import main as cli_main
from aigw_conformance.errors import ConfigError
from aigw_conformance.report.compile import ScenarioResult, compile_report, summary_lines
from aigw_conformance.report.expected_failures import load_expected_failures
from aigw_conformance.report.gate import evaluate
from aigw_conformance.report.write import update_latest, write_report

SCHEMA = json.loads((Path(__file__).parents[3] / "aigw_conformance/report/schema/conformance-v1.json").read_text())


def R(id, outcome, profile="core", level="MUST", reqs=("AUTH-HTTP-001",), reason=""):
    return ScenarioResult(id=id, outcome=outcome, profile=profile, level=level, requirements=tuple(reqs),
                          suite="s", title=id, reason=reason)


# (results, required profiles, expected failures, verdict, core MUST result)
TABLE = [
    ([R("A", "passed"), R("B", "passed")], None, [], "pass", "success"),
    ([R("A", "passed"), R("B", "failed")], None, [], "fail", "failure"),
    ([R("A", "passed"), R("B", "error")], None, [], "inconclusive", "failure"),
    ([R("A", "passed"), R("B", "not-supported", reason="not-supported: x")], None, [], "pass", "partial"),
    ([R("A", "passed"), R("B", "skipped")], None, [], "pass", "partial"),
    ([R("A", "passed"), R("B", "failed", level="SHOULD")], None, [], "pass", "success"),
    ([R("A", "passed"), R("B", "failed", profile="proxy")], {"core"}, [], "pass", "success"),
    ([R("A", "passed"), R("B", "failed", profile="proxy")], {"core", "proxy"}, [], "fail", "success"),
    ([R("A", "passed"), R("B", "failed")], None, [{"id": "B", "reason": "ticket 1"}], "pass", "success"),
    ([R("A", "passed"), R("B[v1]", "failed")], None, [{"id": "B", "reason": "ticket 1"}], "pass", "success"),
    ([R("A", "passed"), R("B", "passed")], None, [{"id": "B", "reason": "ticket 1"}], "fail", "failure"),
    ([R("A", "not-supported")], None, [], "inconclusive", "partial"),
    ([], None, [], "inconclusive", None),
]


@pytest.mark.parametrize("results,required,expected,verdict,core_must", TABLE)
def test_compile_table(results, required, expected, verdict, core_must):
    report = compile_report(results, None, {"name": "t"}, required_profiles=required, expected_failures=expected,
                            harness_version="1", date="d", scenario_digest="sha256:x", era="newest")
    jsonschema.validate(report, SCHEMA)
    assert report["verdict"]["result"] == verdict
    core = [p for p in report["profiles"] if p["name"] == "core"]
    assert (core[0]["must"]["result"] if core else None) == core_must


def test_non_gating_profile_gates_only_when_the_target_claims_it():
    from aigw_conformance.requirements import Catalogue, Profile
    cat = Catalogue(profile_info={"core": Profile("core"), "live-clients": Profile("live-clients", gating=False)})
    results = [R("A", "passed"), R("L", "failed", profile="live-clients")]
    default = compile_report(results, cat, {"name": "t"})
    assert default["verdict"]["result"] == "pass"     # reported, never gating
    assert next(s for s in default["scenarios"] if s["id"] == "L")["level"] == "SHOULD"
    claimed = compile_report(results, cat, {"name": "t"}, claimed_profiles=["core", "live-clients"])
    assert claimed["verdict"]["result"] == "fail"     # the target opted in: its MUST gates
    jsonschema.validate(claimed, SCHEMA)


def test_stale_input_is_named_as_the_cause_once_beside_other_errors():
    """Errors on a stale supplied token say so in the verdict, with what to do, apart from the other
    errors (which keep the generic words), and the summary states the cause once."""
    why = "stale input: the valid token abcdefghij… from the target's token source is refused …; renew it"
    stale = [dataclasses.replace(R(i, "error", reason=why), error_kind="stale-input") for i in ("S1", "S2")]
    down = dataclasses.replace(R("T", "error", reason="connection refused"), error_kind="transport")
    only = compile_report([R("A", "passed"), *stale], None, {"name": "t"})
    jsonschema.validate(only, SCHEMA)
    assert only["verdict"]["result"] == "inconclusive"
    assert "all of them on a valid token from the target's token source that Coder's own API refuses too" \
        in only["verdict"]["reason"] and "unreachable" not in only["verdict"]["reason"], only["verdict"]
    assert "Stale input: 2 scenario(s) not judged: the valid token abcdefghij…" in summary_lines(only)[1]
    mixed = compile_report([R("A", "passed"), *stale, down], None, {"name": "t"})
    assert "2 of them on a valid token" in mixed["verdict"]["reason"]
    assert "the target unreachable or garbage" in mixed["verdict"]["reason"], mixed["verdict"]
    plain = compile_report([R("A", "passed"), down], None, {"name": "t"})
    assert "Coder's own API" not in plain["verdict"]["reason"]
    assert not any(line.startswith("Stale input") for line in summary_lines(plain))


def test_compile_counts_and_reasons():
    results = [R("A", "passed"), R("B", "failed", reqs=("AUTH-X",)), R("C", "error"),
               R("D", "not-supported", reason="not-supported: target lacks proxy"), R("E", "skipped", level="SHOULD")]
    report = compile_report(results, None, {"name": "t"})
    core = report["profiles"][0]
    assert core["must"]["statistics"] == {"passed": 1, "failed": 1, "errored": 1, "skipped": 0, "notSupported": 1}
    assert core["must"]["failedTests"] == ["B", "C"]
    assert core["must"]["skippedTests"] == [{"id": "D", "outcome": "not-supported",
                                             "reason": "not-supported: target lacks proxy"}]
    assert core["should"]["statistics"]["skipped"] == 1
    assert report["requirements"]["AUTH-X"] == {"verdict": "failed", "scenarios": ["B"]}
    assert report["requirements"]["AUTH-HTTP-001"]["verdict"] == "error"


def _report(tmp_path, results, **kw) -> Path:
    write_report(compile_report(results, None, {"name": "t"}, **kw), tmp_path)
    return tmp_path / "conformance.json"


GATE = [
    ([R("A", "passed")], [], 0),
    ([R("A", "passed"), R("B", "failed")], [], 1),
    ([R("A", "passed"), R("B", "error")], [], 1),
    ([R("A", "passed"), R("B", "failed", level="SHOULD")], [], 0),
    ([R("A", "passed"), R("B", "not-supported")], [], 0),
    ([R("A", "passed"), R("B", "failed", profile="proxy")], ["core"], 0),
    ([R("A", "passed"), R("B", "failed", profile="proxy")], ["proxy"], 1),
    # nothing shown: no MUST passed, or a required profile with none passed or absent
    ([R("A", "not-supported"), R("B", "skipped")], [], 1),
    ([R("A", "passed", level="SHOULD")], [], 1),
    ([R("A", "passed"), R("B", "not-supported", profile="proxy")], ["core", "proxy"], 1),
    ([R("A", "passed")], ["core", "proxy"], 1),
    ([R("A", "passed"), R("B", "passed", profile="proxy"), R("C", "not-supported", profile="proxy")],
     ["core", "proxy"], 0),
]


@pytest.mark.parametrize("results,profiles,code", GATE)
def test_gate_exit_codes(tmp_path, capsys, results, profiles, code):
    path = _report(tmp_path, results)
    argv = ["gate", str(path)] + [a for p in profiles for a in ("--profile", p)]
    assert cli_main(argv) == code
    assert "gate (" in capsys.readouterr().out


def test_gate_says_what_was_not_shown(tmp_path, capsys):
    path = _report(tmp_path, [R("A", "passed"), R("B", "not-supported", profile="proxy")])
    assert cli_main(["gate", str(path), "--profile", "core", "--profile", "proxy", "--profile", "lifecycle"]) == 1
    out = capsys.readouterr().out
    assert "NOTHING SHOWN: required profile 'proxy' has 1 MUST scenario(s) in this report and none passed" in out
    assert "NOTHING SHOWN: required profile 'lifecycle' has no MUST scenario in this report" in out
    assert "core" not in out.split("NOTHING SHOWN")[1].split(":")[0]


def test_gate_expected_failures(tmp_path):
    path = _report(tmp_path, [R("A", "passed"), R("B", "failed")])
    ef = tmp_path / "ef.yaml"
    ef.write_text("- {id: B, reason: upstream bug 42}\n")
    assert cli_main(["gate", str(path), "--expected-failures", str(ef)]) == exitcodes.OK
    ef.write_text("- {id: A, reason: stale entry}\n")
    assert cli_main(["gate", str(path), "--expected-failures", str(ef)]) == exitcodes.NONCONFORMANT


def test_gate_uses_the_reports_own_expected_failures(tmp_path):
    path = _report(tmp_path, [R("A", "passed"), R("B", "failed")], expected_failures=[{"id": "B", "reason": "r"}])
    assert evaluate(json.loads(path.read_text()), []).ok


@pytest.mark.parametrize("content", ["not json", json.dumps({"apiVersion": "other"})])
def test_gate_bad_report_is_invalid_input(tmp_path, capsys, content):
    p = tmp_path / "conformance.json"
    p.write_text(content)
    assert cli_main(["gate", str(p)]) == exitcodes.INVALID_INPUT
    err = capsys.readouterr().err
    assert str(p) in err and "Traceback" not in err


def test_gate_missing_report(tmp_path):
    assert cli_main(["gate", str(tmp_path / "nope.json")]) == exitcodes.INVALID_INPUT


@pytest.mark.parametrize("text,field", [
    ("{id: A}", None),
    ("- {id: A}\n", "[0].reason"),
    ("- {id: A, reason: x, extra: 1}\n", "[0]"),
    ("- [A]\n", "[0]"),
])
def test_expected_failures_file_errors(tmp_path, text, field):
    p = tmp_path / "ef.yaml"
    p.write_text(text)
    with pytest.raises(ConfigError) as ei:
        load_expected_failures(p)
    assert str(p) in str(ei.value)
    if field:
        assert field in str(ei.value)


def test_latest_symlink(tmp_path):
    run = tmp_path / "run1"
    write_report(compile_report([R("A", "passed")], None, {"name": "t"}), run)
    update_latest(tmp_path, run)
    run2 = tmp_path / "run2"
    write_report(compile_report([R("A", "failed")], None, {"name": "t"}), run2)
    update_latest(tmp_path, run2)
    data = json.loads((tmp_path / "latest" / "conformance.json").read_text())
    assert data["verdict"]["result"] == "fail"
    assert (run2 / "summary.md").read_text().startswith("# Conformance summary")
