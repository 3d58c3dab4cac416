"""The error base shared by the harness and the reference: one paragraph per problem, located.

    AigwError            anything reported as one readable paragraph (``str()`` is complete)
    └── ConfigError      a configuration file, fixture or option value is invalid (file, line, field)

The harness adds its own branches (scenario, target, transport, mismatch) in
``aigw_conformance.errors``; the reference raises only these two.
"""

from __future__ import annotations


class AigwError(Exception):
    """Root of the project's own errors; ``str()`` is a complete, user-facing paragraph."""


class Located(AigwError):
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


class ConfigError(Located):
    """A configuration file, a fixture or an option value is invalid."""


__all__ = ["AigwError", "ConfigError", "Located"]
