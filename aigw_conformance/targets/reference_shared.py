"""One embedded reference for all the xdist workers of a run (`run -n N`).

Each worker used to boot a reference of its own: about 0.45 s of CPU apiece, on the same cores where
the workers import and collect, and each stopped it again at its end. The workers of a run against an
external target already share that one gateway, so the scenarios are written for it: every one works
with tokens and users of its own worker. `run` spawns the reference before pytest starts (as for a
serial run, `reference.spawn_early`) and describes it in a file that the workers find through
`SHARED_ENV`; a worker takes it when its era and faults are the ones it was spawned for (otherwise
the worker starts its own, as before), waits for its state file and registers the state's secrets
with its own redactor, and cleans up only what it created. The run command ends it after pytest
returns, when every worker has ended.

The description holds no secret: the state file's path (in the reference's private work folder), the
process id, and the tunnel echo's address and certificate (not its key).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from aigw_common.redaction import Redactor
from aigw_conformance.runner.transport_errors import host_port

from .reference_process import wait_for_state

SHARED_ENV = "AIGW_SHARED_REFERENCE"
HANDLE_FILE = "shared.json"


@dataclass(frozen=True)
class SharedEcho:
    """The run command's tunnel echo, as a worker uses it: it serves in that process, which stops it."""
    host: str
    port: int
    ca_pem: str

    @property
    def authority(self) -> str:
        return host_port(self.host, self.port)

    def stop(self) -> None:
        pass


def publish(key: tuple, work: Path, echo, pending) -> None:
    """Describe a spawned reference for this process's xdist workers (they inherit the environment)."""
    handle = work / HANDLE_FILE
    handle.write_text(json.dumps({
        "era": key[0], "faults": list(key[1]), "pid": pending.proc.pid, "owner": os.getpid(),
        "state_file": str(pending.state_file), "log": str(pending.log_path),
        "echo": {"host": echo.host, "port": echo.port, "ca_pem": echo.ca_pem}}), encoding="utf-8")
    os.environ[SHARED_ENV] = str(handle)


def unpublish() -> None:
    os.environ.pop(SHARED_ENV, None)


@dataclass(frozen=True)
class Shared:
    state: dict
    echo: SharedEcho


def take(key: tuple, redactor: Redactor) -> Shared | None:
    """In an xdist worker of a run that published a reference for `key`: that reference, started.
    None anywhere else, or for another era or other faults."""
    path = os.environ.get(SHARED_ENV)
    if not path or not os.environ.get("PYTEST_XDIST_WORKER"):
        return None
    try:
        info = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None   # the run already ended it, or an unrelated value: start one of our own
    # xdist's workers are this run's children; a process started by one of them (a client program, a
    # nested run) inherits the variable but is not one of the workers
    if info.get("owner") != os.getppid() or (info["era"], tuple(info["faults"])) != key:
        return None
    pid = int(info["pid"])
    state = wait_for_state(Path(info["state_file"]), Path(info["log"]), lambda: _exited(pid),
                           started=time.monotonic(), redactor=redactor)
    echo = info["echo"]
    return Shared(state, SharedEcho(echo["host"], int(echo["port"]), echo["ca_pem"]))


def _exited(pid: int) -> str | None:
    """None while `pid` runs. Another process's child: when it exits it stays a zombie until its
    parent reaps it, so the process table is read, not only signalled."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return "it exited"
    except PermissionError:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return "it exited" if stat.rpartition(")")[2].split()[:1] in (["Z"], ["X"]) else None


__all__ = ["SHARED_ENV", "Shared", "SharedEcho", "publish", "take", "unpublish"]
