"""`aigw-conformance init [NAME]`: a commented entry that loads with the project's own targets
loader once its ${VAR}s are set, added without disturbing what the file already holds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aigw_conformance import cli, exitcodes, resources
from aigw_conformance.errors import ConfigError
from aigw_conformance.target_template import NewTarget
from aigw_conformance.targets import load_targets

ROOT = Path(__file__).resolve().parents[2]


def env_for(t: NewTarget) -> dict[str, str]:
    values = {f"{t.prefix}_BASE_URL": "https://coder.qa.example.com", f"{t.prefix}_HOST": "coder.qa.example.com",
              f"{t.prefix}_OPERATOR_TOKEN": "abcdefghij-abcdefghijklmnopqrstuv"}
    return {v: values[v] for v in t.variables()}


def test_new_file_keeps_the_reference_and_loads_once_variables_are_set(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["init", "qa"]) == exitcodes.OK
    out = capsys.readouterr().out
    assert "targets.yaml: created, target 'qa' added at line" in out
    assert "AIGW_QA_BASE_URL, AIGW_QA_HOST, AIGW_QA_OPERATOR_TOKEN" in out
    text = (tmp_path / "targets.yaml").read_text()
    assert "No secret goes in this file" in text and "# canary_url:" in text   # commented guidance
    with pytest.raises(ConfigError, match="environment variable AIGW_QA_BASE_URL is not set") as info:
        load_targets(tmp_path / "targets.yaml", only="qa", environ={})
    assert "field 'targets.qa.base_url'" in str(info.value)
    t = load_targets(tmp_path / "targets.yaml", only="qa", environ=env_for(NewTarget("qa")))["qa"]
    assert (t.kind, t.base_url, t.allow_hosts, t.token_source.kind) == (
        "external", "https://coder.qa.example.com", frozenset({"coder.qa.example.com"}), "coder-api")
    assert t.token_source.operator_token == "abcdefghij-abcdefghijklmnopqrstuv"
    # ./targets.yaml now replaces the shipped one for `run`: the default target must still be there
    assert load_targets(tmp_path / "targets.yaml", only="reference")["reference"].kind == "reference"


def test_appends_to_the_repository_file_after_its_commented_examples(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    shutil.copy(ROOT / "targets.yaml", path)
    before = path.read_text()
    assert cli.main(["init", "local", "--targets-file", str(path), "--base-url", "http://127.0.0.1:3000",
                     "--tokens", "static"]) == exitcodes.OK
    after = path.read_text()
    assert after.startswith(before.rstrip("\n"))                 # nothing above was touched
    t = load_targets(path, only="local", environ={})["local"]
    assert t.base_url == "http://127.0.0.1:3000" and t.allow_hosts == frozenset()   # loopback needs none
    assert t.token_source.kind == "static" and "valid" in t.token_source.missing     # unset → not-supported
    assert set(load_targets(path, environ={"AIGW_STAGING_X": ""}, only="reference")) == {"reference"}


def test_refuses_to_overwrite_an_existing_target(tmp_path: Path, capsys) -> None:
    path = tmp_path / "targets.yaml"
    assert cli.main(["init", "qa", "--targets-file", str(path)]) == exitcodes.OK
    text = path.read_text()
    capsys.readouterr()
    assert cli.main(["init", "qa", "--targets-file", str(path)]) == exitcodes.INVALID_INPUT
    err = capsys.readouterr().err
    assert "a target named 'qa' already exists" in err and "field 'targets.qa'" in err
    assert path.read_text() == text
    assert cli.main(["init", "reference", "--targets-file", str(path)]) == exitcodes.INVALID_INPUT


@pytest.mark.parametrize("content, message", [
    ("targets: {reference: {kind: reference}}\n", "not a block mapping"),
    ("default: reference\n", "no `targets:` mapping"),
    ("- a\n- b\n", "expected a mapping"),
    ("targets:\n  a: [\n", "not valid YAML"),
])
def test_files_it_cannot_extend_safely(tmp_path: Path, content: str, message: str, capsys) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(content)
    assert cli.main(["init", "qa", "--targets-file", str(path)]) == exitcodes.INVALID_INPUT
    assert message in capsys.readouterr().err and path.read_text() == content


def test_entry_in_a_file_with_a_key_after_targets(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text("targets:\n    reference:\n        kind: reference\ndefault: reference\n")
    assert cli.main(["init", "qa", "--targets-file", str(path)]) == exitcodes.OK
    targets = load_targets(path, environ=env_for(NewTarget("qa")))
    assert set(targets) == {"reference", "qa"}
    assert path.read_text().rstrip().endswith("default: reference")


def test_bad_name(tmp_path: Path, capsys) -> None:
    assert cli.main(["init", "no spaces", "--targets-file", str(tmp_path / "t.yaml")]) == exitcodes.INVALID_INPUT
    assert "not a valid target name" in capsys.readouterr().err and not (tmp_path / "t.yaml").exists()


def test_shipped_targets_file_is_the_starting_point() -> None:
    assert resources.default_targets_file().read_text().startswith("# Named targets")
