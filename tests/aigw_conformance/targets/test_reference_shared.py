"""One reference for the xdist workers of a run: a worker (a child of the process that spawned it)
uses it and leaves it running; anything else, or another era, does not take it; a dead one is an
error at once, not a 30 s wait; the run's end stops it and keeps its log, redacted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aigw_common.redaction import Redactor
from aigw_conformance.targets import reference, reference_shared

REPO = Path(__file__).resolve().parents[3]

# What an xdist worker does at its first scenario: start the target, print what it got.
WORKER = """
import json, sys
from contextlib import ExitStack
from pathlib import Path
from aigw_common.redaction import Redactor
from aigw_conformance.errors import AigwError
from aigw_conformance.targets import reference
from aigw_conformance.targets.kind import StartContext
from aigw_conformance.targets.model import Target
try:
    with ExitStack() as stack:
        started = reference.start(Target(name="reference", kind="reference", base_url=""),
                                  StartContext(redactor=Redactor(), run_dir=Path(sys.argv[2]), stack=stack,
                                               era=sys.argv[1], faults=()))
        print(json.dumps({"base_url": started.target.base_url,
                          "tunnel_echo": started.target.extra_view.get("tunnel_echo")}))
except AigwError as exc:
    print(json.dumps({"error": str(exc)}))
"""


def as_worker(era: str, run_dir: Path, timeout: float = 60) -> dict:
    env = {**os.environ, "PYTEST_XDIST_WORKER": "gw0", "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", WORKER, era, str(run_dir)], env=env, capture_output=True,
                          text=True, timeout=timeout, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture
def shared(tmp_path):
    reference.spawn_early("newest", share=True)
    early = reference._early[0]
    try:
        yield early
    finally:
        reference.discard_early(tmp_path / "run")


def test_a_worker_uses_the_shared_reference_and_leaves_it_running(shared, tmp_path):
    handle = Path(os.environ[reference_shared.SHARED_ENV])
    first = as_worker("newest", tmp_path / "w0")
    second = as_worker("newest", tmp_path / "w1")
    state = json.loads(shared.pending.state_file.read_text())
    assert first["base_url"] == second["base_url"] == state["base_url"]     # both on the one reference
    assert first["tunnel_echo"] == shared.echo.authority                   # and on this process's echo
    assert shared.pending.proc.poll() is None                               # a worker does not stop it
    assert state["operator"]["token"] not in handle.read_text()             # the description holds no secret
    assert not (tmp_path / "w0").exists() or not list((tmp_path / "w0").glob("reference-*.log"))


def test_the_end_of_the_run_stops_it_and_keeps_its_log_redacted(tmp_path):
    reference.spawn_early("newest", share=True)
    early = reference._early[0]
    as_worker("newest", tmp_path / "w0")
    token = json.loads(early.pending.state_file.read_text())["operator"]["token"]
    with (early.work / "reference.log").open("a") as log:   # as if the reference had logged a secret
        log.write(f"operator {token}, a worker's token AbCdEf1234-{'x' * 22}\n")
    (tmp_path / "run").mkdir()
    reference.discard_early(tmp_path / "run")
    assert early.pending.proc.poll() is not None and not early.work.exists()
    assert reference_shared.SHARED_ENV not in os.environ
    (kept,) = (tmp_path / "run").glob("reference-*.log")
    text = kept.read_text()
    assert "gateway" in text and token.split("-")[1] not in text and "x" * 22 not in text


def test_another_era_or_a_process_not_a_worker_does_not_take_it(shared, tmp_path):
    key = ("newest", ())
    assert reference_shared.take(key, Redactor()) is None      # this process spawned it: not its worker
    other = as_worker("older", tmp_path / "w0")                 # another era: a reference of its own
    assert other["base_url"] != json.loads(shared.pending.state_file.read_text())["base_url"]
    assert shared.pending.proc.poll() is None


def test_a_dead_shared_reference_is_an_error_at_once(shared, tmp_path):
    shared.pending.state_file.unlink(missing_ok=True)
    shared.pending.proc.send_signal(signal.SIGKILL)   # not reaped: a zombie, as under a busy run command
    time.sleep(0.2)
    started = time.monotonic()
    got = as_worker("newest", tmp_path / "w0")
    assert "did not start" in got["error"] and "it exited" in got["error"]
    assert time.monotonic() - started < 15
