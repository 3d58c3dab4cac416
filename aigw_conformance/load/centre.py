"""The load mode's one contact with the harness centre: target, token broker, redactor, run id.

Everything else in aigw_conformance/load takes these as explicit parameters, so when the centre
changes (issue 13 moves the launcher into the harness and passes a redactor down instead of the
process-wide one), this module is the one to change.
"""

from __future__ import annotations

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
    from aigw_conformance import resources
    return resources.targets_file()


def new_run_id() -> str:
    from aigw_conformance.run.options import new_run_id as make
    return make()


def open_harness(stack: ExitStack, *, target: str, targets_file: Path | None, run_id: str, run_dir: Path,
                 era: str | None, faults: tuple[str, ...], malformed) -> Harness:
    """Start the named target through its kind, as `run` does (targets.kinds), and its broker (tokens.sources).
    Everything started is closed through `stack`; the broker's cleanup also runs on SIGTERM."""
    from aigw_common.netguard import NetworkPolicy
    from aigw_common.redaction import Redactor
    from aigw_conformance.run.options import RunOptions
    from aigw_conformance.run.start import declared_target
    from aigw_conformance.targets.kinds import KINDS, StartContext
    from aigw_conformance.tokens.broker import install_signal_cleanup
    from aigw_conformance.tokens.sources import BrokerContext, build_broker

    redactor = Redactor()
    declared = declared_target(RunOptions(target=target, targets_file=targets_file), redactor)
    if declared.kind != "reference" and faults:
        raise ConfigError("--fault applies to the embedded reference only", field="--fault")
    started = KINDS[declared.kind].start(declared, StartContext(redactor=redactor, run_dir=run_dir, stack=stack,
                                                               era=era, faults=tuple(faults))).target
    spec = started.token_source_for("default")
    ctx = None if spec is None else BrokerContext(
        spec=spec, base_url=started.base_url, run_id=run_id, redactor=redactor,
        policy=NetworkPolicy(frozenset(started.allow_hosts)), timeouts=started.timeouts, malformed=malformed,
        target_name=started.name)
    broker = build_broker(ctx, redactor=redactor, malformed=malformed, target_name=started.name)
    stack.callback(broker.cleanup)   # before the target stops: the stack unwinds in reverse
    install_signal_cleanup(broker.cleanup)
    return Harness(started, broker, redactor)


def start_reference_process(folder: Path, **kwargs):
    """The reference alone (for tests that point an `external` target at it)."""
    from aigw_conformance.targets.reference_process import start_reference
    return start_reference(folder, **kwargs)


__all__ = ["Harness", "open_harness", "new_run_id", "default_targets_file", "start_reference_process"]
