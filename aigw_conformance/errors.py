"""The harness's exceptions: one root, and each outcome of a scenario has its own branch.

    AigwError                      anything the harness reports as one readable paragraph
    ├── ConfigError                targets.yaml, a fixture or a command-line value is invalid (located)
    ├── ScenarioError              a scenario or suite file is invalid (file, line, field)
    ├── TargetError                the target could not be used (not started, no such endpoint, no
    │   │                          token): outcome *error*, never a pass and never a failure
    │   ├── StaleInput             a valid token the target's source supplied is refused by Coder's own
    │   │                          API too: it expired or was revoked outside the run
    │   └── TransportError         a request got no answer from the gateway: refused, timed out,
    │       │                      closed, garbage, or an answer the harness's own tap made up
    │       └── CircuitOpen        not attempted: the endpoint failed several times in a row
    └── Mismatch(AssertionError)   the gateway answered, and the answer breaks a requirement

`Mismatch` subclasses AssertionError so that pytest and allure report it as "failed" rather than
"broken". httpx, socket and mitmproxy exceptions become TransportError only in the runners
(``raise TransportError(...) from exc``). The outcome of a scenario is decided from these types
alone (`aigw_conformance.outcome`).
"""

from __future__ import annotations

from dataclasses import dataclass

from aigw_common.errors import AigwError, ConfigError, Located


class ScenarioError(Located):
    """A scenario file is invalid. Reported as a collection error without a traceback."""


class TargetError(AigwError):
    """The target could not be used for this scenario."""

    def __init__(self, message: str, *, target: str | None = None, url: str | None = None) -> None:
        self.target = target
        self.url = url
        self.message = message
        parts = [f"target {target!r}" if target else None, url]
        prefix = " ".join(p for p in parts if p)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class StaleInput(TargetError):
    """A valid token from the target's token source is refused by the gateway and by Coder's own API:
    the input is stale, and the gateway broke no rule. One message for every scenario that needed the
    token (the run's cause, stated once per scenario the same way); each scenario's own control line
    is in its evidence."""


class TransportError(TargetError):
    """No answer from the gateway. `cause` is the plain-words reason without the URL, so the circuit
    breaker can name it; `stale` means a reused connection was closed before any response byte (the
    one case that is retried, once, on a fresh connection)."""

    def __init__(self, cause: str, *, url: str | None = None, endpoint: str | None = None,
                 stale: bool = False, target: str | None = None) -> None:
        self.cause = cause
        self.endpoint = endpoint
        self.stale = stale
        super().__init__(cause, target=target, url=url)


class CircuitOpen(TransportError):
    """The endpoint already failed several scenarios in a row: this one is not attempted."""


@dataclass
class MismatchDetail:
    """One violated expectation: what was checked, expected and observed."""

    check: str          # e.g. "status", "header Content-Type", "upstream header Authorization"
    expected: str
    observed: str
    step: str | None = None

    def line(self) -> str:
        where = f"[{self.step}] " if self.step else ""
        return f"{where}{self.check}: expected {self.expected}, observed {self.observed}"


class Mismatch(AssertionError, AigwError):
    """The gateway's behaviour contradicts a requirement."""

    def __init__(self, scenario_id: str, requirements: list[str], details: list[MismatchDetail],
                 evidence: str | None = None) -> None:
        self.scenario_id = scenario_id
        self.requirements = list(requirements)
        self.details = list(details)
        self.evidence = evidence
        super().__init__(self.paragraph())

    def paragraph(self) -> str:
        reqs = ", ".join(self.requirements) or "no requirement"
        body = "; ".join(d.line() for d in self.details)
        text = f"{self.scenario_id} violates {reqs}: {body}."
        if self.evidence:
            text += f" Evidence: {self.evidence}"
        return text


__all__ = ["AigwError", "ScenarioError", "ConfigError", "TargetError", "TransportError", "CircuitOpen",
           "Mismatch", "MismatchDetail"]
