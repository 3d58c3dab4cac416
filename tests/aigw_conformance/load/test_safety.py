"""Safety of a load run: the locustfile refuses hosts outside the target's policy before sending, and
SIGTERM stops everything and deletes every token the run minted (checked on the gateway itself)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from aigw_conformance import exitcodes
from aigw_conformance.load.plan import Plan, RequestSpec, Role, write_private
from aigw_conformance.load.processes import start_run
from aigw_conformance.load.centre import start_reference_process

ROOT = Path(__file__).resolve().parents[3]


def test_workers_refuse_a_host_outside_the_policy_before_sending(tmp_path):
    private = Path(tempfile.mkdtemp(prefix="aigw-load-test-"))
    spec = RequestSpec(name="valid via bearer", method="GET", url="http://guard-test.invalid:9/x",
                       headers={"Authorization": "Bearer not-a-token"}, body=None, expect=(200,),
                       token_kind="valid", carrier="bearer", token_label="t")
    plan = Plan(workload="LOAD-GUARD", kind="mixed", host="http://guard-test.invalid:9", allow_hosts=[],
                duration_s=1.0, timeout_s=2.0, max_requests=50, workers=1,
                roles={"MixedUser": Role(2, 5.0, [[spec]])}, records_path=str(tmp_path / "requests.jsonl"),
                started_path=str(private / "started.json"))
    try:
        procs = start_run(plan_path=write_private(plan, private), users=2, classes=["MixedUser"],
                          host=plan.host, hard_limit_s=20, private_dir=private, local_workers=1, remote_workers=0,
                          bind_host="127.0.0.1", port=None, worker_key="k" * 24)
        try:
            assert procs.wait_all(60), "Locust did not stop by itself"
        finally:
            procs.stop()
        lines = [json.loads(x) for x in (tmp_path / "requests.jsonl").read_text().splitlines()]
        assert lines and all("meta" in x for x in lines), "a request was sent to a refused host"
        exceptions = (private / "locust_exceptions.csv").read_text()
        assert "refusing to connect to guard-test.invalid" in exceptions
    finally:
        import shutil
        shutil.rmtree(private, ignore_errors=True)


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_sigterm_stops_locust_and_deletes_the_runs_tokens(tmp_path):
    with start_reference_process(tmp_path / "ref", proxy=False) as ref:
        state = ref.state
        targets = tmp_path / "targets.yaml"
        targets.write_text(
            "targets:\n  ext:\n    kind: external\n"
            f"    base_url: {state['base_url']}\n"
            "    tokens: {source: coder-api, operator_token_env: AIGW_TEST_OPERATOR}\n")
        env = {**os.environ, "AIGW_TEST_OPERATOR": state["operator"]["token"],
               "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        proc = subprocess.Popen([sys.executable, "-m", "aigw_conformance", "load", "--target", "ext",
                                 "--targets-file", str(targets), "--workload", "LOAD-REVOCATION", "--duration", "25",
                                 "--workers", "1", "--report-dir", str(tmp_path), "--run-id", "sigterm1"],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        records = tmp_path / "sigterm1" / "load" / "LOAD-REVOCATION" / "requests.jsonl"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (records.exists() and records.stat().st_size):
            assert proc.poll() is None, proc.stdout.read()
            time.sleep(0.2)
        assert records.exists(), "the load never started"
        locust = _children(proc.pid)
        assert locust, "no Locust processes under the harness"
        minted = _minted(state)
        assert minted, "the run minted no token (nothing for the cleanup to prove)"
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == exitcodes.INTERRUPTED, out
        assert not [p for p in locust if _alive(p)], "Locust processes outlived the harness"
        assert _minted(state) == [], f"tokens left on the gateway after SIGTERM (had {len(minted)})"


def _minted(state: dict) -> list[str]:
    """Names of the tokens the harness made (all named aigw-<run tag>-…; this reference served only this run)."""
    with httpx.Client(base_url=state["base_url"], headers={"Coder-Session-Token": state["operator"]["token"]}) as c:
        keys = c.get("/api/v2/users/me/keys/tokens", params={"include_all": "true", "include_expired": "true"}).json()
    return [k["token_name"] for k in keys if str(k.get("token_name", "")).startswith("aigw-")]


def test_plan_file_is_private(tmp_path):
    private = Path(tempfile.mkdtemp(prefix="aigw-load-test-"))
    try:
        plan = Plan(workload="LOAD-X", kind="mixed", host="http://127.0.0.1:1", allow_hosts=[], duration_s=1,
                    timeout_s=1, max_requests=1, workers=1, roles={}, records_path="r", started_path="s")
        path = write_private(plan, private)
        assert path.stat().st_mode & 0o777 == 0o600 and private.stat().st_mode & 0o777 == 0o700
    finally:
        import shutil
        shutil.rmtree(private, ignore_errors=True)


def test_a_target_host_outside_its_allow_hosts_is_refused_before_anything_is_minted(tmp_path):
    targets = tmp_path / "targets.yaml"
    targets.write_text("targets:\n  staging:\n    kind: external\n    base_url: https://gateway.example.com\n"
                       "    tokens: {source: coder-api, operator_token_env: AIGW_TEST_OPERATOR}\n")
    env = {**os.environ, "AIGW_TEST_OPERATOR": "aaaaaaaaaa-bbbbbbbbbbbbbbbbbbbbbb", "TMPDIR": str(tmp_path),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "aigw_conformance", "load", "--target", "staging", "--targets-file",
                           str(targets), "--report-dir", str(tmp_path), "--run-id", "refused"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == exitcodes.INVALID_INPUT, proc.stdout + proc.stderr
    assert "refusing to send load to gateway.example.com" in proc.stderr and "Traceback" not in proc.stderr
    assert "line 2" in proc.stderr and "network.allow_hosts" in proc.stderr
    fast = subprocess.run([sys.executable, "-m", "aigw_conformance", "load", "--target", "staging", "--targets-file",
                           str(targets), "--rate", "50"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert fast.returncode == exitcodes.INVALID_INPUT and "--allow-high-rate" in fast.stderr, fast.stderr
