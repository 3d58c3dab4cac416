"""Locust master and workers as subprocesses of their own (gevent never enters the harness process).

Each process runs in its own session, so a Ctrl-C in the terminal reaches only the harness, which
then stops them itself: SIGTERM by pid, SIGKILL after a grace period. Every wait is bounded.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from aigw_conformance import resources

LOCUSTFILE = Path(__file__).resolve().parent / "locust_side" / "locustfile.py"
PACKAGE_ROOT = resources.import_root()
STOP_GRACE_S = 5.0
WORKER_WAIT_S = 30.0          # how long a master waits for its local workers to connect
DEFAULT_MASTER_PORT = 5557
WORKER_DIR_ENV = "AIGW_LOAD_WORKER_DIR"   # the locustfile reads the same names (it cannot import this module)
KEY_ENV = "AIGW_LOAD_WORKER_KEY"          # a worker gets the plan (tokens inside) only by presenting this


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    # The Locust processes must run this very harness code (a worktree, an editable install …).
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


@dataclass
class LocustProcs:
    procs: list[subprocess.Popen] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def spawn(self, cmd: list[str], log: Path, cwd: Path, env: dict[str, str]) -> subprocess.Popen:
        with open(log, "ab") as fh:
            p = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=cwd,
                                 env=env, start_new_session=True)
        self.procs.append(p)
        self.logs.append(log)
        return p

    def wait(self, proc: subprocess.Popen, timeout: float) -> int | None:
        try:
            return proc.wait(timeout=max(0.1, timeout))
        except subprocess.TimeoutExpired:
            return None

    def wait_all(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        for p in self.procs:
            if self.wait(p, deadline - time.monotonic()) is None:
                return False
        return True

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                try:
                    p.send_signal(signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + STOP_GRACE_S
        for p in self.procs:
            if self.wait(p, deadline - time.monotonic()) is None:
                p.kill()
                p.wait(STOP_GRACE_S)


def master_command(*, users: int, workers: int, bind_host: str, port: int, host: str, hard_limit_s: float,
                   out_prefix: Path, classes: list[str], worker_wait_s: float) -> list[str]:
    # all users within about a quarter of a second, but no more than Locust's advice of 100/s per worker
    spawn_rate = max(1, min(users * 4, 100 * max(1, workers)))
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--master",
            "--master-bind-host", bind_host, "--master-bind-port", str(port),
            "--expect-workers", str(workers), "--expect-workers-max-wait", str(int(worker_wait_s)),
            "-u", str(users), "-r", str(spawn_rate), "-t", f"{int(hard_limit_s) + 1}s", "--stop-timeout", "2",
            "--host", host, "--csv", str(out_prefix), "--csv-full-history", "--html", f"{out_prefix}.html",
            "--exit-code-on-error", "0", "--loglevel", "INFO", *classes]


def local_command(*, users: int, host: str, hard_limit_s: float, out_prefix: Path, classes: list[str]) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(users),
            "-r", str(max(1, min(users * 4, 100))), "-t", f"{int(hard_limit_s) + 1}s", "--stop-timeout", "2", "--host", host,
            "--csv", str(out_prefix), "--csv-full-history", "--html", f"{out_prefix}.html",
            "--exit-code-on-error", "0", "--loglevel", "INFO", *classes]


def worker_command(master_host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--worker", "--master-host", master_host,
            "--master-port", str(port), "--loglevel", "INFO"]


def start_run(*, plan_path: Path, users: int, classes: list[str], host: str, hard_limit_s: float,
              private_dir: Path, local_workers: int, remote_workers: int, bind_host: str,
              port: int | None, worker_key: str) -> LocustProcs:
    """One workload's Locust run: a master and its local workers (or one local process when none).
    `worker_key` is handed to the master and the local workers through the environment, never argv."""
    procs = LocustProcs()
    env = _env({"AIGW_LOAD_PLAN": str(plan_path), KEY_ENV: worker_key})
    prefix = private_dir / "locust"
    total = local_workers + remote_workers
    if total == 0:
        procs.spawn(local_command(users=users, host=host, hard_limit_s=hard_limit_s, out_prefix=prefix,
                                  classes=classes), private_dir / "locust-local.log", private_dir, env)
        return procs
    port = port or free_port()
    wait_s = WORKER_WAIT_S if not remote_workers else 300.0
    procs.spawn(master_command(users=users, workers=total, bind_host=bind_host, port=port, host=host,
                               hard_limit_s=hard_limit_s + wait_s, out_prefix=prefix, classes=classes,
                               worker_wait_s=wait_s),
                private_dir / "locust-master.log", private_dir, env)
    worker_env = _env({KEY_ENV: worker_key})   # workers get the plan from the master, never the file
    worker_env.pop("AIGW_LOAD_PLAN", None)
    for i in range(local_workers):
        procs.spawn(worker_command("127.0.0.1", port), private_dir / f"locust-worker-{i}.log", private_dir,
                    worker_env)
    return procs


def start_workers(*, master_host: str, port: int, count: int, log_dir: Path,
                  extra_env: dict[str, str] | None = None) -> LocustProcs:
    """Workers only, for a master on another machine (`aigw-conformance load --master-host H`)."""
    procs = LocustProcs()
    env = _env(extra_env)
    env.pop("AIGW_LOAD_PLAN", None)
    for i in range(count):
        procs.spawn(worker_command(master_host, port), log_dir / f"locust-worker-{i}.log", log_dir, env)
    return procs


__all__ = ["LocustProcs", "start_run", "start_workers", "free_port", "LOCUSTFILE", "DEFAULT_MASTER_PORT",
           "WORKER_DIR_ENV", "KEY_ENV"]
