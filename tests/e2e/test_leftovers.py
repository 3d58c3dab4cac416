"""Nothing a run creates stays on the target: killed runs are cleaned by `clean`, interrupted runs
clean up themselves (issue 12 section 4).

The target is the two-deployment external target of tests/e2e/external_target.py (two
`reference serve` processes, each with its own database), so both the target's own deployment and
the byok-disabled deployment with its own token source are covered. A generated suite mints tokens
on both, creates users (a second user, a suspended one) and then idles, so a signal lands mid-run.
What is left is read by the test through each deployment's REST API, as the operator.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from aigw_conformance import exitcodes
from aigw_conformance.tokens.naming import run_prefix

from .external import Inventory, inventory, operator_api
from .external_target import ExternalDeployment, start
from .runs import REPO

STEPS_SLEEP = 4.0


def lingering_suite(folder: Path) -> Path:
    """Mints on both deployments, then idles: the run is interrupted while a scenario holds tokens."""
    idle = [{"action": "sleep", "seconds": STEPS_SLEEP}] * 3
    models = {"route": "openai.models", "headers": {"Authorization": "Bearer {{ token }}"}}
    scenarios = [
        {"id": "LINGER-NOBYOK", "requirement": ["AUTH-HTTP-001"], "requires": ["provider:openai",
                                                                              "endpoint:byok-disabled"],
         "tokens": {"token": "valid"},
         # the second step's status is left open: without it this short scenario, which expects no
         # denial, would run last (aigw_conformance.schedule) and mint on this deployment too late
         "steps": [{"request": {**models, "endpoint": "byok-disabled"}, "expect": {"status": 200}},
                   {"request": {**models, "endpoint": "byok-disabled"}}]},
        {"id": "LINGER-MAIN", "requirement": ["AUTH-HTTP-001"], "requires": ["provider:openai"],
         "tokens": {"token": "valid", "other": {"kind": "valid", "user": "second"},
                    "suspended": "user-suspended"},
         "steps": [{"request": models, "expect": {"status": 200}}, *idle]},
        *({"id": f"LINGER-MORE-{i}", "requirement": ["AUTH-HTTP-001"], "requires": ["provider:openai"],
           "tokens": {"token": "valid"}, "steps": [{"request": models, "expect": {"status": 200}}, *idle]}
          for i in range(4)),
    ]
    path = folder / "linger.yaml"
    path.write_text(yaml.safe_dump({"suite": "linger", "profile": "core", "scenarios": scenarios}, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory):
    # shared: each test compares what it finds with what was there before it started
    dep = start(tmp_path_factory.mktemp("deployments"))
    yield dep
    dep.stop()


def _env(dep: ExternalDeployment) -> dict[str, str]:
    return {**os.environ, "CI": "true", **dep.env}


def start_run(dep: ExternalDeployment, tmp: Path, run_id: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "aigw_conformance", "run", "--target", "ext", "--targets-file", str(dep.targets),
         "--suites", str(lingering_suite(tmp)), "--report-dir", str(tmp / "reports"), "--run-id", run_id,
         "-p", "no:cacheprovider"],
        cwd=REPO, env=_env(dep), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)


def both(dep: ExternalDeployment) -> dict[str, Inventory]:
    return {"main": inventory(dep.main), "nobyok": inventory(dep.nobyok)}


def wait_for_mid_run(dep: ExternalDeployment, prefix: str, proc: subprocess.Popen, timeout: float = 90) -> dict:
    """Until the run has created tokens on both deployments and users on the main one (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = both(dep)
        made = {k: v.named(prefix) for k, v in now.items()}
        if made["nobyok"] and any(x.startswith("user ") for x in made["main"]) and len(made["main"]) >= 4:
            return made
        assert proc.poll() is None, f"the run ended before the test could interrupt it:\n{proc.stdout.read()}"
        time.sleep(0.2)
    raise AssertionError(f"the run created nothing with {prefix} within {timeout} s")


def clean(dep: ExternalDeployment, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aigw_conformance", "clean", "--target", "ext",
                           "--targets-file", str(dep.targets), *args],
                          cwd=REPO, env=_env(dep), capture_output=True, text=True, timeout=60)


def add_bystanders(dep: ExternalDeployment) -> None:
    """What clean must leave alone: another run's names, and names that are not the harness's."""
    with operator_api(dep.main) as api:
        for name in ("aigw-ffffff-other-run", "keep-me"):
            assert api.post("/api/v2/users/me/keys/tokens", json={"token_name": name}).status_code == 201
        for name in ("aigw-ffffff-bystander", "keepuser"):
            r = api.post("/api/v2/users", json={"username": name, "email": f"{name}@example.test",
                                                "password": "x-Secret-1!", "login_type": "password"})
            assert r.status_code == 201, r.text


def test_clean_removes_exactly_what_a_killed_run_left(deployment: ExternalDeployment, tmp_path: Path) -> None:
    add_bystanders(deployment)
    before = both(deployment)
    run_id = "killed-run"
    prefix = run_prefix(run_id)
    proc = start_run(deployment, tmp_path, run_id)
    try:
        left = wait_for_mid_run(deployment, prefix, proc)
        os.killpg(proc.pid, signal.SIGKILL)        # no handler runs: the run cannot clean up
        proc.wait(30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)
    left = {k: v.named(prefix) for k, v in both(deployment).items()}
    assert left["main"] and left["nobyok"], left

    dry = clean(deployment, "--run", run_id, "--dry-run")
    assert dry.returncode == exitcodes.OK, dry.stdout + dry.stderr
    assert {k: v.named(prefix) for k, v in both(deployment).items()} == left, "a dry run removed something"

    res = clean(deployment, "--run", run_id)
    assert res.returncode == exitcodes.OK, res.stdout + res.stderr
    removed = sorted(line.split(" (")[0].removeprefix("removed ") for line in res.stdout.splitlines()
                     if line.startswith("removed "))
    assert removed == sorted(left["main"] + left["nobyok"]), res.stdout
    assert f"removed {len(removed)} item(s)" in res.stdout
    assert both(deployment) == before, "clean --run removed exactly that run's tokens and users, nothing else"
    assert "Traceback" not in res.stdout + res.stderr

    again = clean(deployment, "--run", run_id)
    assert again.returncode == exitcodes.OK and "removed 0 item(s)" in again.stdout, again.stdout

    # without --run: every harness name, and still nothing that is not the harness's
    everything = clean(deployment)
    assert everything.returncode == exitcodes.OK
    assert "removed token aigw-ffffff-other-run" in everything.stdout
    assert "removed user aigw-ffffff-bystander" in everything.stdout
    after = both(deployment)["main"]
    assert "keep-me" in after.tokens and "keepuser" in after.users and after.named("aigw-") == []

    refused = clean(deployment, "--prefix", "keep")
    assert refused.returncode == exitcodes.INVALID_INPUT and "aigw-" in refused.stderr
    assert "keep-me" in both(deployment)["main"].tokens


@pytest.mark.parametrize("how", ["SIGINT to the group (Ctrl-C)", "SIGTERM to the run"])
def test_an_interrupted_run_deletes_what_it_created(deployment: ExternalDeployment, tmp_path: Path,
                                                    how: str) -> None:
    before = both(deployment)
    run_id = "interrupted-" + how.split()[0].lower()
    proc = start_run(deployment, tmp_path, run_id)
    try:
        wait_for_mid_run(deployment, run_prefix(run_id), proc)
        started = time.monotonic()
        if how.startswith("SIGINT"):
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
        seconds = time.monotonic() - started
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)
    assert proc.returncode == exitcodes.INTERRUPTED, f"exit {proc.returncode}:\n{out[-3000:]}"
    assert both(deployment) == before, "the interrupted run left tokens or users behind"
    assert seconds < 30, seconds
    assert "Traceback" not in out, out[-3000:]
    # the scenarios that ran may all have passed: the run is still no pass, for the gate either
    report_path = tmp_path / "reports" / run_id / "conformance.json"
    report = json.loads(report_path.read_text())
    assert report["interrupted"] is True and report["verdict"]["result"] == "inconclusive", report["verdict"]
    assert "Verdict: PASS" not in out
    gate = subprocess.run([sys.executable, "-m", "aigw_conformance", "gate", str(report_path)],
                          capture_output=True, text=True, timeout=60, cwd=REPO)
    assert gate.returncode != exitcodes.OK and "INTERRUPTED" in gate.stdout, gate.stdout + gate.stderr


def test_clean_says_why_a_deployment_has_nothing_to_clean(tmp_path: Path) -> None:
    """A static token source mints nothing, and the embedded reference starts empty: no request made."""
    tfile = tmp_path / "targets.yaml"
    tfile.write_text("targets:\n  ro:\n    kind: external\n    base_url: http://127.0.0.1:9\n"
                     "    tokens: {source: static, env: {valid: AIGW_RO_VALID}}\n")
    for target, expect in (("ro", "uses static tokens"), ("reference", "fresh database")):
        res = subprocess.run([sys.executable, "-m", "aigw_conformance", "clean", "--target", target,
                              "--targets-file", str(tfile if target == "ro" else REPO / "targets.yaml")],
                             cwd=REPO, capture_output=True, text=True, timeout=60)
        assert res.returncode == exitcodes.OK and expect in res.stdout, res.stdout + res.stderr


def test_clean_of_an_unreachable_target_exits_3_in_one_line(tmp_path: Path) -> None:
    tfile = tmp_path / "targets.yaml"
    tfile.write_text("targets:\n  down:\n    kind: external\n    base_url: http://127.0.0.1:9\n"
                     "    tokens: {source: coder-api, operator_token_env: AIGW_DOWN_OP}\n")
    res = subprocess.run([sys.executable, "-m", "aigw_conformance", "clean", "--target", "down",
                          "--targets-file", str(tfile)], cwd=REPO, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "AIGW_DOWN_OP": "DownDownDo-abcdefghijklmnopqrstuv"})
    assert res.returncode == exitcodes.TARGET_UNREACHABLE, res.stdout + res.stderr
    assert res.stderr.count("\n") == 1 and "refused" in res.stderr and "Traceback" not in res.stderr
    assert "abcdefghijklmnopqrstuv" not in res.stdout + res.stderr
