"""The harness's exceptions: one root, three branches.

    AigwError                    anything the harness reports as one readable paragraph
    ├── ScenarioError            a scenario or suite file is invalid (file, line, field)
    ├── ConfigError              targets.yaml, a fixture file or a command-line value is invalid
    ├── TargetError              the target could not be reached, timed out or answered garbage:
    │                            an *error* outcome, never a pass and never a conformance failure
    └── Mismatch(AssertionError) the target answered, and the answer breaks a requirement

`Mismatch` subclasses AssertionError so that pytest and allure report it as "failed" rather than
"broken". httpx and mitmproxy exceptions are translated into TargetError only in the runners
(``raise TargetError(...) from exc``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


class AigwError(Exception):
    """Root of the harness's own errors; ``str()`` is a complete, user-facing paragraph."""


class _Located(AigwError):
    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        super().__init__(self.paragraph())

    def paragraph(self) -> str:
        if self.file is None and self.line is None and not self.field:
            return self.message  # about no file (a missing tool, a bad id): nothing to locate
        where = self.file or "<input>"
        if self.line is not None:
            where += f", line {self.line}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class ScenarioError(_Located):
    """A scenario file is invalid. Reported as a collection error without a traceback."""


class ConfigError(_Located):
    """targets.yaml, a fixture or an option value is invalid."""


class TargetError(AigwError):
    """The target did not give a usable answer (unreachable, timeout, garbage)."""

    def __init__(self, message: str, *, target: str | None = None, url: str | None = None) -> None:
        self.target = target
        self.url = url
        parts = [f"target {target!r}" if target else None, url]
        prefix = " ".join(p for p in parts if p)
        super().__init__(f"{prefix}: {message}" if prefix else message)


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


__all__ = ["AigwError", "ScenarioError", "ConfigError", "TargetError", "Mismatch", "MismatchDetail"]
