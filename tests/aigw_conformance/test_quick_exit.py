"""An xdist worker of `run` leaves without the interpreter's teardown (xdist waits for each worker's
process to exit): what registered after it still runs, the teardown behind it does not; not in a
process `run` does not own, nor under a tracer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aigw_common.unused_imports import ENV

REPO = Path(__file__).resolve().parents[2]

# "teardown" stands for what the interpreter does after the atexit handlers registered before ours
SCRIPT = """
import atexit, sys
from pathlib import Path
out = Path(sys.argv[1])
atexit.register(lambda: (out / "teardown").write_text("ran"))
from aigw_conformance.quick_exit import at_worker_exit
if sys.argv[2] == "traced":
    sys.settrace(lambda *a: None)
at_worker_exit()
atexit.register(lambda: (out / "later").write_text("ran"))
"""


@pytest.mark.parametrize(("owned", "mode", "skipped"), [
    (True, "plain", True), (False, "plain", False), (True, "traced", False)])
def test_a_worker_of_run_skips_the_teardown(tmp_path, owned, mode, skipped):
    env = {k: v for k, v in os.environ.items() if k != ENV}
    env.update({"PYTHONPATH": str(REPO), **({ENV: "1"} if owned else {})})
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), mode], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "later").exists()
    assert (tmp_path / "teardown").exists() is not skipped
