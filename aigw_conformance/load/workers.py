"""Workers for a master on another machine: `aigw-conformance load --master-host H --workers K`.

A load run is one Locust run per workload, and Locust workers quit with their master; so this starts K
workers, and when they have quit starts them again for the next workload, until a plan marked `last`
has come, or a round passes without any plan (the master is gone), or the overall bound runs out.
The workers learn everything (tokens included) from the master; nothing is minted here.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from .processes import WORKER_DIR_ENV, start_workers

MAX_TOTAL_S = 3600.0
ROUND_S = 900.0          # one workload, Locust's wait for workers included


def run_workers(master_host: str, port: int, count: int, *, out=print, max_total_s: float = MAX_TOTAL_S) -> int:
    folder = Path(tempfile.mkdtemp(prefix="aigw-load-workers-"))
    deadline = time.monotonic() + max_total_s
    rounds = 0
    try:
        while time.monotonic() < deadline:
            seen_before = _seen(folder)
            procs = start_workers(master_host=master_host, port=port, count=count, log_dir=folder,
                                  extra_env={WORKER_DIR_ENV: str(folder)})
            try:
                procs.wait_all(min(ROUND_S, deadline - time.monotonic()))
            finally:
                procs.stop()
            rounds += 1
            seen = _seen(folder)
            for wid in dict.fromkeys(seen[len(seen_before):]):
                out(f"  worker round {rounds}: ran {wid}")
            if (folder / "last").exists():
                out(f"load workers: done after {rounds} workload run(s)")
                return 0
            if len(seen) == len(seen_before):
                out(f"load workers: no plan from {master_host}:{port} in round {rounds}; stopping")
                return 0 if seen else 3
        out("load workers: the overall time bound ran out")
        return 3
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _seen(folder: Path) -> list[str]:
    f = folder / "seen"
    return f.read_text(encoding="utf-8").split() if f.exists() else []


__all__ = ["run_workers"]
