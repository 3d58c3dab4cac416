"""Sealed execution of a client program: a network namespace with only `lo`, and a relay out of it.

    inside the namespace                         host (the harness process)
    client ──TCP──► 127.0.0.1:P (netns_init) ──unix socket──► relay ──TCP──► policy-checked address

A process in a fresh network namespace cannot reach any address of the host, loopback included;
Unix sockets cross namespaces through the file system. So the only way out is a socket in the
run's private folder, and the host end of each socket dials exactly one address, checked against
the target's NetworkPolicy (loopback, or a host the target names in `network.allow_hosts`) before
any connection opens. Every endpoint keeps its port number inside, so the client uses the same
URLs the harness does. DNS inside fails at once (no route), so a client's telemetry or update
check cannot even resolve a name.

Where sealing is impossible (no `unshare`, no privilege for namespaces) `sealing_problem()` says
why, and callers report the scenario as not-supported: a client is never run unsealed.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

from aigw_common.netguard import NetworkPolicy

INIT = Path(__file__).with_name("netns_init.py")
MAX_CONNECTIONS = 256          # per run: a retry storm is cut off, not relayed forever
DIAL_TIMEOUT = 5.0
GRACE = 10.0                   # beyond the client's own limit, for namespace start and teardown


@dataclass(frozen=True)
class Forward:
    """Inside, 127.0.0.1:`port`; outside, `host`:`dest_port` (checked against the policy)."""
    port: int
    host: str
    dest_port: int


@dataclass(frozen=True)
class SealedRun:
    exit_code: int | None
    timed_out: bool
    seconds: float
    stdout: str
    stderr: str
    interfaces: tuple[str, ...]
    connections: int
    refused: tuple[str, ...] = ()
    error: str | None = None

    @property
    def output(self) -> str:
        return self.stdout + ("\n" if self.stdout and self.stderr else "") + self.stderr


def _unshare_argv() -> list[str]:
    base = ["unshare"] + ([] if os.geteuid() == 0 else ["--user", "--map-root-user"])
    return base + ["--net", "--pid", "--fork", "--kill-child"]


@functools.lru_cache(maxsize=1)
def sealing_problem() -> str | None:
    """None when clients can be sealed here, else the reason (probed once per process)."""
    if not sys.platform.startswith("linux"):
        return f"sealing needs Linux network namespaces (this is {sys.platform})"
    if shutil.which("unshare") is None:
        return "sealing needs util-linux `unshare`, which is not on PATH"
    probe = [*_unshare_argv(), sys.executable, "-I", "-c",
             "import socket;print(','.join(sorted(n for _, n in socket.if_nameindex())))"]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot create a network namespace: {exc}"
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return f"cannot create a network namespace ({' '.join(_unshare_argv())}): {why}"
    if done.stdout.strip() != "lo":
        return f"a new network namespace here has interfaces {done.stdout.strip()!r}, not only lo"
    return None


class _Relay:
    """Host end: one Unix listener per forward, each connection dialled to its one address."""

    def __init__(self, folder: Path, forwards: Sequence[Forward], policy: NetworkPolicy,
                 on_connect: Callable[[int], None] | None) -> None:
        self._policy, self._on_connect = policy, on_connect
        self._lock = threading.Lock()
        self._count = 0
        self.refused: list[str] = []
        self._socks: list[socket.socket] = []
        self._open: list[socket.socket] = []
        self.paths: dict[int, str] = {}
        for f in forwards:
            policy.check(f.host, f.dest_port)      # refuse before anything listens, let alone dials
            path = folder / f"fw-{f.port}.sock"
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(str(path))
            s.listen(64)
            self._socks.append(s)
            self.paths[f.port] = str(path)
            threading.Thread(target=self._accept, args=(s, f), daemon=True).start()

    def _accept(self, lsock: socket.socket, f: Forward) -> None:
        while True:
            try:
                conn, _ = lsock.accept()
            except OSError:
                return
            with self._lock:
                self._count += 1
                over = self._count > MAX_CONNECTIONS
            if over:
                self.refused.append(f"connection {self._count} to {f.host}:{f.dest_port}: over {MAX_CONNECTIONS}")
                conn.close()
                continue
            threading.Thread(target=self._bridge, args=(conn, f), daemon=True).start()

    def _bridge(self, conn: socket.socket, f: Forward) -> None:
        try:
            self._policy.check(f.host, f.dest_port)
            up = socket.create_connection((f.host, f.dest_port), timeout=DIAL_TIMEOUT)
        except OSError as exc:
            self.refused.append(f"{f.host}:{f.dest_port}: {exc}")
            conn.close()
            return
        up.settimeout(None)
        if self._on_connect is not None:
            self._on_connect(up.getsockname()[1])
        with self._lock:
            self._open += [conn, up]
        from .netns_init import pump
        t = threading.Thread(target=pump, args=(up, conn), daemon=True)
        t.start()
        pump(conn, up)
        t.join(timeout=1.0)

    def close(self) -> None:
        with self._lock:
            socks = self._socks + self._open
        for s in socks:
            try:
                s.close()
            except OSError:
                pass


@dataclass
class SealedCommand:
    argv: list[str]
    env: Mapping[str, str]
    cwd: Path
    forwards: list[Forward] = field(default_factory=list)
    timeout: float = 60.0


def run_sealed(cmd: SealedCommand, *, folder: Path, policy: NetworkPolicy,
               on_connect: Callable[[int], None] | None = None) -> SealedRun:
    """Run `cmd` sealed; `folder` is the run's private (0700) folder, owned and removed by the caller."""
    problem = sealing_problem()
    if problem is not None:
        raise RuntimeError(problem)
    relay = _Relay(folder, cmd.forwards, policy, on_connect)
    spec = {"argv": list(cmd.argv), "env": dict(cmd.env), "cwd": str(cmd.cwd), "timeout": cmd.timeout,
            "forwards": [{"port": f.port, "unix": relay.paths[f.port]} for f in cmd.forwards],
            "stdout": str(folder / "stdout"), "stderr": str(folder / "stderr"), "result": str(folder / "result.json")}
    spec_file = folder / "spec.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    start = time.monotonic()
    try:
        proc = subprocess.run([*_unshare_argv(), sys.executable, "-I", str(INIT), str(spec_file)],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=cmd.timeout + GRACE)
        launcher_err = proc.stderr.decode("utf-8", "replace").strip()
    except subprocess.TimeoutExpired:
        launcher_err = "the sandbox did not end in time and was killed"
    finally:
        relay.close()
    wall = round(time.monotonic() - start, 3)
    try:
        result = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        result = {"error": launcher_err or "the sandbox wrote no result", "exit_code": None, "timed_out": True}

    def read(name: str) -> str:
        try:
            return (folder / name).read_bytes().decode("utf-8", "replace")
        except OSError:
            return ""
    return SealedRun(exit_code=result.get("exit_code"), timed_out=bool(result.get("timed_out")),
                     seconds=float(result.get("seconds", wall)), stdout=read("stdout"), stderr=read("stderr"),
                     interfaces=tuple(result.get("interfaces") or ()), connections=int(result.get("connections", 0)),
                     refused=tuple(relay.refused), error=result.get("error"))


__all__ = ["Forward", "SealedCommand", "SealedRun", "run_sealed", "sealing_problem"]
