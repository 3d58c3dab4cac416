"""Gate a release on a conformance report.

Exit 1 exactly when a MUST scenario of a required profile failed or errored (and is not a listed
expected failure), a listed expected failure passed, or nothing was shown: a required --profile with
no MUST scenario that passed (absent, or all skipped or not supported), or without --profile a
report in which no MUST scenario passed; 0 otherwise; 2 when the report or the expected-failures
file cannot be read.
"""

from __future__ import annotations

import argparse

from aigw_conformance import exitcodes
from aigw_common.redaction import mask_token_shapes as redact  # files read back were redacted when written

NAME = "gate"
HELP = "exit non-zero when a required MUST failed or errored in conformance.json, or none passed"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("report", nargs="?", default="reports/latest/conformance.json",
                        help="conformance.json or a run folder (default: reports/latest)")
    parser.add_argument("--profile", action="append", default=[], dest="profiles",
                        help="required profile (repeatable; default: every profile in the report)")
    parser.add_argument("--expected-failures", default=None, help="YAML list of {id, reason}")


def main(args: argparse.Namespace) -> int:
    from aigw_conformance.report.expected_failures import load_expected_failures
    from aigw_conformance.report.gate import evaluate, load_report

    report = load_report(args.report)
    expected = load_expected_failures(args.expected_failures) if args.expected_failures else None
    result = evaluate(report, args.profiles, expected)
    for line in result.lines:
        print(redact(line))
    return exitcodes.OK if result.ok else exitcodes.NONCONFORMANT
