"""The load mode's one contact with the harness centre: target, token broker, redactor, run id.

Everything else in aigw_conformance/load takes these as explicit parameters, so when the centre
changes (issue 13 moves the launcher into the harness and passes a redactor down instead of the
process-wide one), this module is the one to change.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aigw_conformance.errors import ConfigError


@dataclass(frozen=True)
class Harness:
    target: Any          # targets.Target, started (the embedded reference is running)
    broker: Any          # tokens.broker.TokenBroker: mints, revokes, cleans up, registers secrets
    redactor: Any        # the run's redactor: .add_token(secret), .redact(text)


def default_targets_file() -> Path:
    from aigw_conformance.session import REPO_ROOT
    return REPO_ROOT / "targets.yaml"


def new_run_id() -> str:
    from aigw_conformance.session import new_run_id as make
    return make()


def open_harness(stack: ExitStack, *, target: str, targets_file: Path | None, run_id: str, run_dir: Path,
                 era: str | None, faults: tuple[str, ...], malformed) -> Harness:
    """Start the named target (the embedded reference as `run` starts it, here without its proxy, which no
    workload uses) and its broker. Everything started is closed through `stack`; the broker's cleanup
    also runs on SIGTERM."""
    from aigw_conformance.redact import REDACTOR
    from aigw_conformance.targets import load_targets
    from aigw_conformance.tokens import broker as broker_mod

    declared = load_targets(targets_file or default_targets_file(), only=target)[target]
    if declared.kind != "reference":
        if faults:
            raise ConfigError("--fault applies to the embedded reference only", field="--fault")
        started = declared
    else:
        started = _start_reference(stack, declared, run_dir, era=era, faults=faults)
    broker = broker_mod.broker_for(started, run_id, malformed=malformed)
    stack.callback(broker.cleanup)
    broker_mod.install_signal_cleanup(broker)
    return Harness(started, broker, REDACTOR)


def _start_reference(stack: ExitStack, declared, run_dir: Path, *, era: str | None, faults: tuple[str, ...]):
    from aigw_reference.launch import start_reference
    from aigw_conformance.redact import redact
    from aigw_conformance.targets import Target

    work = Path(tempfile.mkdtemp(prefix="aigw-load-ref-"))   # the state file holds the operator token
    stack.callback(shutil.rmtree, work, True)
    stack.callback(_keep_log, work / "reference.log", run_dir, redact)
    ref = start_reference(work, era=era or declared.era or "newest", faults=list(faults), proxy=False, log_dir=work)
    stack.callback(ref.stop)
    return Target.for_reference(ref.state, declared.name)


def _keep_log(log: Path, run_dir: Path, redact) -> None:
    if log.exists() and run_dir.exists():
        (run_dir / "reference.log").write_text(redact(log.read_text(encoding="utf-8", errors="replace")),
                                               encoding="utf-8")


def start_reference_process(folder: Path, **kwargs):
    """The reference alone (for tests that point an `external` target at it)."""
    from aigw_reference.launch import start_reference
    return start_reference(folder, **kwargs)


__all__ = ["Harness", "open_harness", "new_run_id", "default_targets_file", "start_reference_process"]
