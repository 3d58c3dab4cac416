"""Start the reference in its own process (architecture Seam 1) and wait, bounded, for its state file.

    with start_reference(run_dir, faults=["accept-expired"], redactor=r) as ref:
        ref.state["base_url"]

Harness code: the reference is reached only as a program (`python -m aigw_reference serve`) and over
HTTP, never imported. Every secret in the state file is registered with `redactor` before the state
is returned.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Mapping

from aigw_common.redaction import Redactor
from aigw_conformance.errors import TargetError

START_TIMEOUT = 30.0
STOP_GRACE = 5.0


class ReferenceProcess:
    def __init__(self, proc: subprocess.Popen, state: dict, log_path: Path, state_file: Path) -> None:
        self.proc, self.state, self.log_path, self.state_file = proc, state, log_path, state_file

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_GRACE)

    def __enter__(self) -> "ReferenceProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def reference_faults() -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """The reference's named faults {name: (requirement, description)} and the era each plays in,
    asked of the program itself (the harness never imports the reference)."""
    out = subprocess.run([sys.executable, "-m", "aigw_reference", "faults"], capture_output=True, text=True,
                         timeout=30, check=False)
    if out.returncode != 0:
        raise TargetError(f"the reference could not list its faults: {out.stderr.strip()[-500:]}", target="reference")
    listed = json.loads(out.stdout)
    return {name: (v[0], v[1]) for name, v in listed.items()}, {name: v[2] for name, v in listed.items()}


def register_state_secrets(state: Mapping[str, Any], redactor: Redactor) -> None:
    """Every secret a reference state file holds (operator token, provider keys, static tokens),
    registered with `redactor`."""
    found = [(state.get("operator") or {}).get("token"), *(state.get("central_keys") or {}).values(),
             *(state.get("static_tokens") or {}).values()]
    for secret in found:
        if secret:
            redactor.add_token(secret)


def wait_for_state(state_file: Path, log_path: Path, exited, *, started: float, timeout: float = START_TIMEOUT,
                   redactor: Redactor | None = None) -> dict:
    """Wait, bounded, for a reference's state file; `exited()` is None while the process lives, else
    how it ended. The state's secrets are registered with `redactor` (a private one when none is
    given) before the state is returned."""
    redactor = redactor if redactor is not None else Redactor()
    while time.monotonic() < started + timeout:
        if state_file.exists():
            state = json.loads(state_file.read_text())
            register_state_secrets(state, redactor)
            return state
        if exited() is not None:
            break
        time.sleep(0.01)
    tail = redactor.redact(log_path.read_text(errors="replace")[-2000:]) if log_path.exists() else ""
    raise TargetError(f"the reference gateway did not start within {timeout:.0f} s "
                      f"({exited() or 'still starting'}); log {log_path}:\n{tail}", target="reference")


class PendingReference:
    """A reference process spawned and not yet waited for: `wait()` is the bounded wait for its
    state file, `stop()` ends it when nobody will wait."""

    def __init__(self, proc: subprocess.Popen, log_path: Path, state_file: Path) -> None:
        self.proc, self.log_path, self.state_file = proc, log_path, state_file
        self.started = time.monotonic()

    def wait(self, redactor: Redactor | None = None, timeout: float = START_TIMEOUT) -> ReferenceProcess:
        """The state's secrets are registered with `redactor` (a private one when none is given)."""
        try:
            state = wait_for_state(self.state_file, self.log_path, self._exited, started=self.started,
                                   timeout=timeout, redactor=redactor)
        except TargetError:
            self.stop()
            raise
        return ReferenceProcess(self.proc, state, self.log_path, self.state_file)

    def _exited(self) -> str | None:
        code = self.proc.poll()
        return None if code is None else f"exit code {code}"

    def stop(self) -> None:
        ReferenceProcess(self.proc, {}, self.log_path, self.state_file).stop()


def spawn_reference(run_dir: Path, *, era: str = "newest", faults=(), proxy: bool = True,
                    config_file: Path | None = None, log_dir: Path | None = None, proxy_allowed_ports=(),
                    extra_args=()) -> PendingReference:
    """Start `python -m aigw_reference serve`; its stdout and stderr go to `<log_dir>/reference.log`.
    `run_dir` is the caller's, who removes it: a folder made here would outlive the process."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    state_file = run_dir / "reference-state.json"
    log_path = Path(log_dir or run_dir) / "reference.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    state_file.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "aigw_reference", "serve", "--state-file", str(state_file), "--era", era]
    cmd += [a for f in faults for a in ("--fault", f)]
    cmd += [] if proxy else ["--no-proxy"]
    cmd += [a for p in proxy_allowed_ports for a in ("--proxy-allow-port", str(p))]
    cmd += ["--config", str(config_file)] if config_file else []
    cmd += list(extra_args)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return PendingReference(proc, log_path, state_file)


def start_reference(run_dir: Path, *, redactor: Redactor | None = None, era: str = "newest", faults=(),
                    proxy: bool = True, config_file: Path | None = None, timeout: float = START_TIMEOUT,
                    log_dir: Path | None = None, proxy_allowed_ports=(), extra_args=()) -> ReferenceProcess:
    """Spawn, then a bounded wait for the state file (`PendingReference.wait`)."""
    return spawn_reference(run_dir, era=era, faults=faults, proxy=proxy, config_file=config_file, log_dir=log_dir,
                           proxy_allowed_ports=proxy_allowed_ports, extra_args=extra_args).wait(redactor, timeout)
