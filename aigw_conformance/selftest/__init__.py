"""Self-test: run the suites against the faithful reference and every named fault, and compile a
detection matrix showing which scenarios catch which fault (issue 6)."""

from .matrix import RunOutcome, compile_matrix, exit_code
from .writers import summary_lines, write_matrix

__all__ = ["RunOutcome", "compile_matrix", "exit_code", "summary_lines", "write_matrix"]
