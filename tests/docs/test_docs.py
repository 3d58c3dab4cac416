"""The guides and CI recipes stay true to the code: exit codes, commands, secrets, artifacts."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from aigw_conformance import exitcodes

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
CODES = {name: value for name, value in vars(exitcodes).items() if name.isupper()}


def test_pipeline_guide_documents_every_exit_code_with_its_value() -> None:
    text = (DOCS / "guide-pipelines.md").read_text()
    rows = dict((name, int(num)) for num, name in re.findall(r"^\| (\d+) \| `([A-Z_]+)` \|", text, re.M))
    assert rows == CODES


def test_qa_and_implementer_guides_give_the_same_numbers() -> None:
    for guide in ("guide-qa.md", "guide-implementers.md"):
        text = (DOCS / guide).read_text()
        for value in CODES.values():
            assert re.search(rf"(^\| {value} \||\b{value} [a-z])", text, re.M), (guide, value)


def test_ci_recipes_run_archive_and_gate() -> None:
    gh = yaml.safe_load((DOCS / "ci" / "github-actions.yml").read_text())
    steps = gh["jobs"]["conformance"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "aigw-conformance run" in runs and "--expected-failures expected-failures.yaml" in runs
    assert "aigw-conformance gate reports/latest/conformance.json" in runs
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["path"] == "reports/"
    assert gh["jobs"]["conformance"]["env"]["CI"] == "true"

    gl = yaml.safe_load((DOCS / "ci" / "gitlab-ci.yml").read_text())
    run = gl["conformance:run"]
    assert run["artifacts"]["when"] == "always" and run["artifacts"]["reports"]["junit"]
    assert any("aigw-conformance run" in line for line in run["script"])
    assert any("aigw-conformance gate" in line for line in gl["conformance:gate"]["script"])
    # Distinct exit codes survive the wrapper: 2 and 3 are passed on, 0/1 go to the gate.
    for script in (runs, "\n".join(run["script"])):
        assert "exit 2" in script and "exit 3" in script


def test_no_secret_values_in_recipes() -> None:
    for f in (DOCS / "ci").iterdir():
        text = f.read_text()
        assert not re.search(r"[0-9A-Za-z]{10}-[0-9A-Za-z]{22}", text), f  # no Coder token shape
        assert "set -x" not in text


def test_html_report_screenshot_is_kept() -> None:
    shot = DOCS / "screenshots" / "html-report.png"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
