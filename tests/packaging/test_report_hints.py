"""`aigw-conformance report` says in one line what to install when Node.js or Allure is missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from aigw_conformance.report import allure_cli

ROOT = Path(__file__).resolve().parents[2]


def test_the_hint_pins_the_version_package_json_pins() -> None:
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["allure"]
    assert allure_cli.ALLURE_NPM == f"allure@{pinned}"


def test_hints() -> None:
    exe = Path("/usr/bin/allure")
    assert allure_cli.missing_hint(exe, node="/usr/bin/node", checkout=ROOT) is None
    no_node = allure_cli.missing_hint(exe, node="", checkout=ROOT)
    assert no_node.startswith("Node.js is not installed") and "npm ci" in no_node
    in_checkout = allure_cli.missing_hint(None, node="/usr/bin/node", checkout=ROOT)
    assert in_checkout == f"Allure Report 3 (npm package `allure`) is not installed: run `npm ci` at the repository top ({ROOT})"
    installed = allure_cli.missing_hint(None, node="/usr/bin/node", checkout=None)
    assert installed.endswith("run `npm install -g allure@3.18.0`")
    for hint in (no_node, in_checkout, installed):
        assert "\n" not in hint


def test_report_command_without_node_prints_one_line(tmp_path: Path) -> None:
    run = tmp_path / "reports" / "r1" / "allure-results"
    run.mkdir(parents=True)
    (run / "x-result.json").write_text("{}")
    env = {k: v for k, v in os.environ.items() if k != "PATH"}
    env["PATH"] = str(tmp_path / "no-bin")  # neither node nor allure
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, "-m", "aigw_conformance", "report", "r1"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("aigw-conformance: Node.js is not installed")
    assert "apt-get install nodejs npm" in proc.stderr
