"""Run a tiny pytest session in a subprocess (a fresh interpreter, as `aigw-conformance run` would).

Not pytester: `pytest_plugins` in a non-root conftest breaks `pytest tests`, and the root conftest
belongs to the engine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_S = 120


@dataclass
class Session:
    rc: int
    out: str
    err: str


def run_session(folder: Path, files: dict[str, str], *args: str) -> Session:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    env = {k: v for k, v in os.environ.items() if k not in {"CI", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER"}}
    env["CI"] = "true"  # plain lines, whatever terminal the outer run has
    # Entry-point autoloading (schemathesis, hypothesis, …) costs seconds per session; tests name
    # the plugins they need with -p instead.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    (folder / "pytest.ini").write_text("[pytest]\n")  # stop rootdir discovery at the temp folder
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=folder, capture_output=True, text=True, timeout=TIMEOUT_S, env=env)
    return Session(proc.returncode, proc.stdout, proc.stderr)
