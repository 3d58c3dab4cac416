"""`aigw-conformance validate` and `list` through the real CLI entry point."""

from __future__ import annotations

from pathlib import Path

from aigw_conformance.cli import main

from ..sample_suite import GOOD_SCENARIO, HEAD

REPO = Path(__file__).resolve().parents[3]


def test_validate_good_and_bad_files(write, catalogue, capsys, tmp_path):
    req = tmp_path / "requirements.yaml"
    good = write("good.yaml", HEAD + GOOD_SCENARIO)
    bad = write("bad.yaml", "suite: bad\nprofile: core\nscenarios:\n  - id: B-1\n    requirement: [AUTH-HTTP-001]\n"
                            "    steps:\n      - request: {route: openai.chat, colour: red}\n")
    assert main(["validate", str(good), "--requirements", str(req)]) == 0
    out = capsys.readouterr()
    assert "1 file(s), 1 scenario(s), 1 test case(s): all valid" in out.out
    assert main(["validate", str(good), str(bad), "--requirements", str(req)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}, line 7, field 'scenarios[0].steps[0].request.colour'" in err
    assert "unknown key 'colour'" in err and "Traceback" not in err and "1 of 2 file(s) invalid" in err


def test_validate_folder_and_missing_path(write, capsys, tmp_path):
    write("requirements.yaml", "requirements: {AUTH-HTTP-001: {profile: core}}\n")
    write("s.yaml", HEAD + GOOD_SCENARIO)
    assert main(["validate", str(tmp_path), "--requirements", str(tmp_path / "requirements.yaml")]) == 2
    # the folder holds requirements.yaml too, which is not a suite: it is reported, located
    assert "requirements.yaml" in capsys.readouterr().err
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "no such suite file or folder" in capsys.readouterr().err


def test_list_filters_by_profile(write, catalogue, capsys, tmp_path):
    req = tmp_path / "requirements.yaml"
    suite = write("s.yaml", HEAD + GOOD_SCENARIO)
    assert main(["list", str(suite), "--requirements", str(req)]) == 0
    out = capsys.readouterr().out
    assert "GOOD-ONE" in out and "AUTH-HTTP-001" in out and "core" in out and "MUST" in out
    assert main(["list", str(suite), "--requirements", str(req), "--profile", "proxy"]) == 0
    assert "GOOD-ONE" not in capsys.readouterr().out
    assert main(["list", str(suite), "--requirements", str(req), "--profile", "moon"]) == 2
    assert "unknown profile 'moon'" in capsys.readouterr().err


def test_project_suites_validate(capsys):
    """The repository's own suites and fixtures pass validation (they are written by another part)."""
    rc = main(["validate", str(REPO / "suites"), "--requirements", str(REPO / "fixtures/requirements.yaml")])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
