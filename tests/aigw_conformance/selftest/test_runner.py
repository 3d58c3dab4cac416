"""The subprocess runner's time bound and the flakiness bench's comparison."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

from aigw_conformance.selftest.runner import RunSpec, command, run_one

ROOT = Path(__file__).resolve().parents[3]


def _bench():
    spec = importlib.util.spec_from_file_location("flakiness_bench", ROOT / "bench" / "flakiness.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod     # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def test_command_places_the_run_and_passes_the_fault(tmp_path):
    cmd = command(RunSpec(out_dir=tmp_path, extra=("-k", "X")), "f1", ("accept-expired",))
    assert cmd[cmd.index("--run-id") + 1] == "f1" and cmd[cmd.index("--aigw-fault") + 1] == "accept-expired"
    assert cmd[cmd.index("--capture") + 1] == "off" and cmd[-2:] == ["-k", "X"]
    assert cmd[cmd.index("--report-dir") + 1] == str(tmp_path / "runs")


def test_a_run_over_its_time_bound_is_killed_and_counts_as_no_report(tmp_path):
    started = time.monotonic()
    out = run_one(RunSpec(out_dir=tmp_path, timeout=0.5), "slow", ("accept-expired",))
    assert out.report is None and out.returncode is None and out.problem.startswith("timed out")
    assert time.monotonic() - started < 30
    assert (tmp_path / "logs" / "slow.log").exists()


def test_flakiness_compare_identical_and_different():
    bench = _bench()

    def rep(verdict, **outcomes):
        return {"verdict": {"result": verdict}, "scenarios": [{"id": k, "outcome": v} for k, v in outcomes.items()]}

    same = bench.compare([rep("pass", A="passed", B="skipped")] * 3)
    assert same["identical"] and same["changed"] == {} and same["verdicts"] == {"pass": 3}
    diff = bench.compare([rep("pass", A="passed"), rep("fail", A="failed"), rep("pass", A="passed", B="passed")])
    assert not diff["identical"]
    assert diff["changed"] == {"A": {"passed": 2, "failed": 1}, "B": {"absent": 2, "passed": 1}}
    assert not bench.compare([rep("pass", A="passed"), None])["identical"]
    # against the faithful reference any failure or error is a false one, even when every run agrees
    steady = bench.compare([rep("fail", A="failed", B="passed")] * 2)
    assert steady["identical"] and steady["false_failures"] == {"A": {"runs": 2, "first_reason": ""}}
    assert same["false_failures"] == {}


def test_flakiness_command_runs_the_default_run_serially_or_with_two_workers(tmp_path):
    bench = _bench()
    serial = bench.command(tmp_path, "serial", 3, "on", ["-m", "not live_clients"])
    n2 = bench.command(tmp_path, "n2", 3, "on", [])
    assert serial[serial.index("--run-id") + 1] == "serial-03" and "-n" not in serial
    assert serial[serial.index("--capture") + 1] == "on" and serial[-2:] == ["-m", "not live_clients"]
    assert n2[n2.index("-n") + 1] == "2" and n2[n2.index("--report-dir") + 1] == str(tmp_path / "runs")


def test_recompile_rebuilds_the_matrix_from_saved_runs(tmp_path, capsys):
    import json as _json
    from aigw_conformance.cli import main as cli_main

    src = tmp_path / "selftest-old"
    for name, outcome in (("faithful", "passed"), ("accept-expired", "failed"), ("status-401", "passed")):
        (src / "runs" / name).mkdir(parents=True)
        (src / "runs" / name / "conformance.json").write_text(_json.dumps(
            {"scenarios": [{"id": "VAL-EXPIRED", "outcome": outcome, "requirements": ["AUTH-VALIDATE-001"]}]}))
    (src / "runs" / "not-a-fault").mkdir()
    rc = cli_main(["selftest", "--recompile", str(src)])
    matrix = _json.loads((src / "matrix.json").read_text())
    assert rc == 1 and [r["status"] for r in matrix["faults"]] == ["caught", "missed"]
    assert "MISSED status-401" in capsys.readouterr().out
