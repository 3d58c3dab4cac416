"""The outcome of a scenario, decided once, from what ended it (an exception type, or nothing).

    passed          every step's checks held
    failed          Mismatch: the gateway answered and broke a requirement
    error           TargetError / TransportError (no usable answer), StaleInput (a supplied valid token
                    refused at the source too), ConfigError (the target's file, found wrong only when the
                    run started), or anything else (a harness bug)
    not-supported   NotRunnable whose reason starts with "not-supported" (the target lacks a feature)
    skipped         NotRunnable otherwise (era, selection)

The decision and its reason travel in the item's user_properties (`aigw_outcome`,
`aigw_outcome_reason`), so the report and the terminal read it instead of guessing from text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from aigw_conformance.errors import (AigwError, CircuitOpen, ConfigError, Mismatch, StaleInput, TargetError,
                                     TransportError)

OUTCOMES = ("passed", "failed", "error", "skipped", "not-supported")


@dataclass(frozen=True)
class Outcome:
    outcome: str
    reason: str = ""
    error_kind: str = ""   # error only: transport | not-attempted | stale-input | config | target | harness


def decide(exc: BaseException | None, redact: Callable[[str], str]) -> Outcome:
    from aigw_conformance.runner.case import NotRunnable

    if exc is None:
        return Outcome("passed")
    if isinstance(exc, NotRunnable):
        kind = "not-supported" if exc.reason.startswith("not-supported") else "skipped"
        return Outcome(kind, exc.reason)
    if isinstance(exc, Mismatch):
        return Outcome("failed", redact(str(exc)))
    if isinstance(exc, CircuitOpen):
        return Outcome("error", redact(str(exc)), "not-attempted")
    if isinstance(exc, TransportError):
        return Outcome("error", redact(str(exc)), "transport")
    if isinstance(exc, StaleInput):
        return Outcome("error", redact(str(exc)), "stale-input")
    if isinstance(exc, ConfigError):   # found only when the run started (the proxy's CA endpoint refused)
        return Outcome("error", redact(str(exc)), "config")
    if isinstance(exc, (TargetError, AigwError)):
        return Outcome("error", redact(str(exc)), "target")
    return Outcome("error", redact(f"harness error: {type(exc).__name__}: {exc}"), "harness")


__all__ = ["OUTCOMES", "Outcome", "decide"]
