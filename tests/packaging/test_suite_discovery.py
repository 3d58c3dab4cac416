"""Suites are recognised by content, wherever they are, and only under paths the run names."""

from __future__ import annotations

from pathlib import Path

import pytest

from aigw_conformance import cli, exitcodes
from aigw_conformance.errors import ConfigError
from aigw_conformance.scenario import discovery

from ..aigw_conformance.sample_suite import GOOD_SCENARIO, HEAD

pytest_plugins = ["pytester"]

SUITE = HEAD + GOOD_SCENARIO
SCENARIO = "GOOD-ONE"


def test_looks_like_suite_by_content(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(SUITE)
    (tmp_path / "b.yml").write_text("# comment\nscenarios:\n  - {}\n")
    (tmp_path / "nested.yaml").write_text("outer:\n  scenarios: []\n")   # not top level
    (tmp_path / "c.yaml.txt").write_text(SUITE)
    assert discovery.looks_like_suite(tmp_path / "a.yaml") and discovery.looks_like_suite(tmp_path / "b.yml")
    assert not discovery.looks_like_suite(tmp_path / "nested.yaml")
    assert not discovery.looks_like_suite(tmp_path / "c.yaml.txt")


def test_roots_are_only_what_the_run_names(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "data.yaml").write_text(SUITE)
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "s.yaml").write_text(SUITE)
    (tmp_path / "tests" / "suites").mkdir()          # tests/suites holds Python tests, no suite
    (tmp_path / "tests" / "suites" / "test_x.py").write_text("")
    assert discovery.suite_roots(["tests"], [], tmp_path) == ()
    assert discovery.suite_roots(["tests/suites"], [], tmp_path) == ()
    assert discovery.suite_roots(["suites"], [], tmp_path) == ((tmp_path / "suites").resolve(),)
    assert discovery.suite_roots(["tests/data.yaml::X"], [], tmp_path) == ((tmp_path / "tests" / "data.yaml").resolve(),)
    roots = discovery.suite_roots(["tests"], ["tests"], tmp_path)
    assert discovery.is_suite_file(tmp_path / "tests" / "data.yaml", roots)
    assert not discovery.is_suite_file(tmp_path / "tests" / "data.yaml", ())


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing", "no such suite file or folder"),
    (lambda d: (d / "empty").mkdir() or d / "empty", "no suite file in this folder"),
    (lambda d: (d / "n.yaml").write_text("owner: qa\n") and d / "n.yaml", "no top-level `scenarios:` key"),
    (lambda d: (d / "n.json").write_text("{}") and d / "n.json", "not a YAML file"),
])
def test_a_named_path_without_a_suite_is_an_error(tmp_path: Path, make, message) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        discovery.check_named(make(tmp_path))
    assert "field '--suites'" in str(info.value)


def test_folder_search_skips_hidden_and_build_folders(tmp_path: Path) -> None:
    for d in ("ok/deeper", ".git", "node_modules", "build"):
        (tmp_path / d).mkdir(parents=True)
        (tmp_path / d / "s.yaml").write_text(SUITE)
    assert discovery.check_named(tmp_path) == [tmp_path / "ok" / "deeper" / "s.yaml"]


def test_pytest_tests_does_not_collect_yaml_but_aigw_suites_does(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["aigw_conformance.pytest_plugin"]\n')
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "test_ok.py").write_text("def test_ok():\n    assert True\n")
    (pytester.path / "tests" / "fixture-suite.yaml").write_text(SUITE)
    res = pytester.runpytest_subprocess("tests", "--collect-only", "-q", "-p", "no:cacheprovider")
    out = res.stdout.str()
    assert "test_ok.py::test_ok" in out and "fixture-suite.yaml" not in out
    res = pytester.runpytest_subprocess("tests", "--aigw-suites", "tests", "--collect-only", "-q", "-p", "no:cacheprovider")
    assert f"tests/fixture-suite.yaml::{SCENARIO}" in res.stdout.str()


def test_run_with_an_empty_folder_is_exit_2_with_the_reason(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "checks").mkdir()
    assert cli.main(["run", "--suites", "checks"]) == exitcodes.INVALID_INPUT
    err = capsys.readouterr().err
    assert err.strip() == ("aigw-conformance: checks, field '--suites': no suite file in this folder; "
                           "a suite is a .yaml/.yml file with a top-level `scenarios:` key")


def test_list_and_validate_take_a_suite_file_of_any_name(tmp_path: Path, capsys) -> None:
    (tmp_path / "x").mkdir()
    f = tmp_path / "x" / "bench.yaml"
    f.write_text(SUITE)
    assert cli.main(["list", str(f)]) == exitcodes.OK
    assert SCENARIO in capsys.readouterr().out
    assert cli.main(["validate", str(f)]) == exitcodes.OK
    assert "validate: 1 file(s), 1 scenario(s)" in capsys.readouterr().out


def test_list_and_explain_read_a_folder_as_run_does(tmp_path: Path, capsys) -> None:
    """Other YAML in the folder (notes, a targets file) is not a suite, for list and explain as for run."""
    (tmp_path / "checks" / "deeper").mkdir(parents=True)
    (tmp_path / "checks" / "deeper" / "mine.yaml").write_text(SUITE)
    (tmp_path / "checks" / "targets.yaml").write_text("targets: {}\n")
    assert cli.main(["list", str(tmp_path / "checks")]) == exitcodes.OK
    assert SCENARIO in capsys.readouterr().out
    assert cli.main(["explain", "AUTH-HTTP-001", "--suites", str(tmp_path / "checks"), "--run", "none"]) == 0
    assert SCENARIO in capsys.readouterr().out
    (tmp_path / "empty").mkdir()
    assert cli.main(["list", str(tmp_path / "empty")]) == exitcodes.INVALID_INPUT
    assert "no suite file in this folder" in capsys.readouterr().err
