"""`aigw-conformance run` end to end (subprocess): exit codes and the report folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from aigw_conformance import exitcodes

from ...refusing_port import refusing_port
from ..fakes import FakeGateway
from ..test_pytest_plugin import SUITE, targets_yaml

SCHEMA = json.loads((Path(__file__).parents[3] / "aigw_conformance/report/schema/conformance-v1.json").read_text())


def cli_run(tmp_path: Path, url: str, suite: str = SUITE, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    (tmp_path / "suites").mkdir(exist_ok=True)
    (tmp_path / "suites" / "tiny.yaml").write_text(suite)
    (tmp_path / "targets.yaml").write_text(targets_yaml(url))
    cmd = [sys.executable, "-m", "aigw_conformance", "run", "--suites", str(tmp_path / "suites"),
           "--targets-file", str(tmp_path / "targets.yaml"), "--target", "fake", "--capture", "off",
           "--report-dir", str(tmp_path / "reports"), "--run-id", "c1", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env)


def test_run_nonconformant_exit_1_and_reports(tmp_path):
    with FakeGateway() as gw:
        proc = cli_run(tmp_path, gw.url, SUITE, "-m", "core")     # pytest options pass through
    assert proc.returncode == exitcodes.NONCONFORMANT, proc.stdout + proc.stderr
    run_dir = tmp_path / "reports" / "c1"
    rep = json.loads((run_dir / "conformance.json").read_text())
    jsonschema.validate(rep, SCHEMA)
    junit = (run_dir / "junit.xml").read_text()
    assert "not-supported: target lacks proxy" in junit          # skip reasons kept in JUnit
    assert list((run_dir / "allure-results").glob("*-result.json"))
    assert (tmp_path / "reports" / "latest").resolve() == run_dir.resolve()


def test_run_unreachable_exit_3(tmp_path):
    start = time.monotonic()
    with refusing_port() as port:
        proc = cli_run(tmp_path, f"http://127.0.0.1:{port}")
    assert proc.returncode == exitcodes.TARGET_UNREACHABLE, proc.stdout + proc.stderr
    assert time.monotonic() - start < 30


def test_run_invalid_suite_exit_2(tmp_path):
    with refusing_port() as port:
        proc = cli_run(tmp_path, f"http://127.0.0.1:{port}", SUITE.replace("requirement: [AUTH-HTTP-002]", "requirement: [NOPE-1]"))
    assert proc.returncode == exitcodes.INVALID_INPUT
    assert "tiny.yaml, line 14" in proc.stdout and "NOPE-1" in proc.stdout


def _collected(*extra: str, cwd: Path) -> tuple[set[str], str]:
    proc = subprocess.run([sys.executable, "-m", "aigw_conformance", "run", "--collect-only", "-q",
                           "--report-dir", str(cwd / "reports"), *extra],
                          capture_output=True, text=True, timeout=120, cwd=cwd)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ids = {line.rsplit("::", 1)[-1] for line in proc.stdout.splitlines() if "::" in line}
    return ids, proc.stdout


def test_run_bad_expected_failures_exit_2_before_anything_runs(tmp_path):
    # read only when the report was compiled, a bad file had left a run of passes without a report, exit 0
    bad = tmp_path / "xfail.yaml"
    bad.write_text("- {id: AUTH-1, reason: [}\n")
    with refusing_port() as port:   # nothing may be dialled: the target is not even started
        proc = cli_run(tmp_path, f"http://127.0.0.1:{port}", SUITE, "--expected-failures", str(bad))
    assert proc.returncode == exitcodes.INVALID_INPUT, proc.stdout + proc.stderr
    assert f"{bad}, line 1" in proc.stderr and "Traceback" not in proc.stdout + proc.stderr
    assert not (tmp_path / "reports").exists()


def test_a_run_whose_report_cannot_be_written_does_not_exit_0(tmp_path):
    (tmp_path / "failing_report.py").write_text(
        "from aigw_conformance.errors import AigwError\n"
        "def pytest_aigw_report_compiled(report, run_dir):\n"
        "    raise AigwError('the report folder is gone')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    with FakeGateway() as gw:
        proc = cli_run(tmp_path, gw.url, SUITE, "-k", "TINY-OK", "-p", "failing_report", env=env)
    assert "aigw: no report written: the report folder is gone" in proc.stdout, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout
    assert proc.returncode == exitcodes.INTERNAL_ERROR
    assert not (tmp_path / "reports" / "c1" / "conformance.json").exists()


def test_an_opt_in_profile_runs_only_when_asked_or_claimed(tmp_path):
    plain, out = _collected(cwd=tmp_path)
    assert plain and not any(i.startswith("LIVE-") for i in plain)
    assert "deselected" in out
    asked, _ = _collected("--profile", "live-clients", cwd=tmp_path)
    assert asked and all(i.startswith("LIVE-") for i in asked)
    (tmp_path / "targets.yaml").write_text(
        "targets:\n  reference:\n    kind: reference\n    profiles: [core, live-clients]\n")
    claimed, _ = _collected("--targets-file", str(tmp_path / "targets.yaml"), cwd=tmp_path)
    assert asked <= claimed and plain <= claimed
