"""The distributed recipe on one machine: the master here expects a "remote" worker, and a second
`aigw-conformance load --master-host` process supplies it (over loopback), for two workloads in a row."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from aigw_conformance import exitcodes
from aigw_conformance.load.processes import free_port

ROOT = Path(__file__).resolve().parents[3]


def test_master_here_workers_from_a_worker_only_process(tmp_path):
    port = str(free_port())
    env = {**os.environ, "TMPDIR": str(tmp_path), "AIGW_LOAD_WORKER_KEY": "0123456789abcdef0123",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    base = [sys.executable, "-m", "aigw_conformance", "load", "--master-port", port]
    workers = subprocess.Popen([*base, "--master-host", "127.0.0.1", "--workers", "1"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        master = subprocess.run([*base, "--workers", "0", "--remote-workers", "1", "--duration", "1.5",
                                 "--workload", "LOAD-MIXED", "--workload", "LOAD-RATE-LIMIT",
                                 "--report-dir", str(tmp_path), "--run-id", "dist"],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
        w_out, _ = workers.communicate(timeout=60)
    finally:
        if workers.poll() is None:
            workers.kill()
    assert master.returncode == exitcodes.OK, master.stdout + master.stderr
    report = json.loads((tmp_path / "dist" / "conformance.json").read_text())
    assert {w["id"]: w["outcome"] for w in report["load"]["workloads"]} == {"LOAD-MIXED": "passed",
                                                                          "LOAD-RATE-LIMIT": "passed"}
    assert all(w["figures"]["workers"] == 1 and w["figures"]["requests"] > 10 for w in report["load"]["workloads"])
    assert workers.returncode == 0 and "ran LOAD-MIXED" in w_out and "ran LOAD-RATE-LIMIT" in w_out, w_out
    assert "done after 2 workload run(s)" in w_out, w_out


def test_workers_on_other_machines_need_the_shared_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "AIGW_LOAD_WORKER_KEY"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    for args in (["--master-host", "127.0.0.1"], ["--remote-workers", "2", "--report-dir", str(tmp_path)]):
        proc = subprocess.run([sys.executable, "-m", "aigw_conformance", "load", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == exitcodes.INVALID_INPUT and "AIGW_LOAD_WORKER_KEY" in proc.stderr, proc.stderr
