"""The workloads file: the shipped one is valid and no scenario suite; every error is located."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from aigw_conformance import cli, exitcodes
from aigw_conformance.errors import ScenarioError
from aigw_conformance.scenario.discovery import looks_like_suite
from aigw_conformance.load.loader import DEFAULT_PATH, load_workloads, select
from aigw_conformance.requirements import load_catalogue
from aigw_conformance.scenario.routes import load_routes

GOOD = """\
workloads:
  - id: LOAD-X
    kind: mixed
    requirement: [AUTH-HTTP-004]
    mix:
      - {token: valid}
"""


def load(tmp_path: Path, text: str):
    f = tmp_path / "workloads.yaml"
    f.write_text(textwrap.dedent(text))
    return load_workloads(f, catalogue=load_catalogue(), routes=load_routes())


def test_shipped_file_is_valid_covers_the_four_kinds_and_is_not_a_suite():
    wf = load_workloads(DEFAULT_PATH, catalogue=load_catalogue(), routes=load_routes())
    assert {w.kind for w in wf.workloads} == {"mixed", "revocation", "flood", "rate-limit"}
    rev = next(w for w in wf.workloads if w.kind == "revocation")
    assert {"AUTH-VALIDATE-004", "AUTH-LIFECYCLE-005"} <= set(rev.requirement)
    assert "AUTH-HTTP-006" in next(w for w in wf.workloads if w.kind == "rate-limit").requirement
    assert not looks_like_suite(DEFAULT_PATH)   # pytest never collects it as scenarios


def test_minimal_file_and_defaults(tmp_path):
    wf = load(tmp_path, "defaults: {duration_s: 7, users: 3}\n" + GOOD)
    w = wf.workloads[0]
    assert (w.duration_s, w.users, w.level, w.route) == (7, 3, "SHOULD", "openai.models")
    with pytest.raises(ScenarioError, match="no workload LOAD-NOPE"):
        select(wf, ["LOAD-NOPE"])


BAD = [
    # (text replacing GOOD's workload fields, line, field, message part)
    (GOOD.replace("    kind: mixed\n", "    kind: mixed\n    colour: red\n"), 4, "workloads[0].colour", "unknown key 'colour'"),
    (GOOD.replace("kind: mixed", "kind: soak"), 3, "workloads[0].kind", "kind must be one of"),
    (GOOD.replace("    kind: mixed\n", ""), 2, "workloads[0]", "kind"),
    (GOOD.replace("AUTH-HTTP-004", "AUTH-NOPE-001"), 4, "workloads[0].requirement[0]", "unknown requirement id"),
    (GOOD.replace("{token: valid}", "{token: \"malformed:nope\"}"), 6, "workloads[0].mix[0].token", "malformed-token catalogue"),
    (GOOD.replace("{token: valid}", "{token: valid, carriers: [cookie]}"), 6, "workloads[0].mix[0].carriers[0]", "'bearer'"),
    (GOOD.replace("id: LOAD-X", "id: mixed-1"), 2, "workloads[0].id", "should match pattern"),
    (GOOD + "    rate: -3\n", 7, "workloads[0].rate", "greater than 0"),
    (GOOD + "    route: openai.nothing\n", 7, "workloads[0].route", "unknown route"),
    (GOOD + GOOD.split("workloads:\n")[1], 7, "workloads[1].id", "used twice"),
    ("scenarios: []\n" + GOOD, 1, "scenarios", "not `scenarios:`"),
    (GOOD.replace("mix:\n      - {token: valid}", "mix: []"), 5, "workloads[0].mix", "at least 1"),
    ("workloads:\n  - id: LOAD-R\n    kind: rate-limit\n    requirement: [AUTH-HTTP-006]\n    limit: 2\n"
     "    under: {rate_per_user: 1.5}\n    over: {rate_per_user: 8}\n", 2, "workloads[0]", "at most half the limit"),
    ("workloads:\n  - id: LOAD-F\n    kind: flood\n    requirement: [AUTH-VALIDATE-001]\n"
     "    bogus: {tokens: [valid]}\n", 5, "workloads[0].bogus.tokens[0]", "cannot be 'valid'"),
    ("workloads: [\n", 2, None, "not valid YAML"),
]


@pytest.mark.parametrize("text,line,field,message", BAD, ids=[f"{i}-{b[3][:24]}" for i, b in enumerate(BAD)])
def test_errors_name_file_line_and_field(tmp_path, text, line, field, message):
    with pytest.raises(ScenarioError) as exc:
        load(tmp_path, text)
    err = exc.value
    assert err.file.endswith("workloads.yaml")
    assert err.line == line, str(err)
    assert err.field == field, str(err)
    assert message in err.message, str(err)


def test_cli_check_reports_the_located_error_without_traceback(tmp_path, capsys):
    f = tmp_path / "w.yaml"
    f.write_text(GOOD.replace("kind: mixed", "kind: soak"))
    assert cli.main(["load", "--check", "--workloads", str(f)]) == exitcodes.INVALID_INPUT
    err = capsys.readouterr().err
    assert f"{f}, line 3, field 'workloads[0].kind'" in err and "Traceback" not in err
    assert cli.main(["load", "--check"]) == exitcodes.OK


def test_an_oversized_or_non_utf8_file_is_refused_with_the_file_named(tmp_path):
    # the same bounded reading as suites: the size is checked before the file is read whole
    big = tmp_path / "big.yaml"
    big.write_text("workloads: []\n" + "# padding\n" * 60_000)
    with pytest.raises(ScenarioError, match="too large") as exc:
        load_workloads(big)
    assert exc.value.file == str(big)
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"workloads: []\n# caf\xe9\n")
    with pytest.raises(ScenarioError, match="not UTF-8") as exc:
        load_workloads(bad)
    assert exc.value.line == 2
