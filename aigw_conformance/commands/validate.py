"""Check suite files (and optionally targets.yaml) without running anything.

Every bad file is reported as one paragraph naming file, line and field; the exit code is 0 when
everything is valid and 2 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aigw_conformance import exitcodes
from aigw_common.redaction import mask_token_shapes as redact  # files read back were redacted when written
from aigw_conformance.requirements import load_catalogue
from aigw_conformance.scenario.expand import expand
from aigw_conformance.scenario.inputs import locate
from aigw_conformance.scenario.loader import check_suites, suite_paths
from aigw_conformance.scenario.routes import load_routes
from aigw_conformance.tokens.malformed import load_malformed

NAME = "validate"
HELP = "check suite files (and fixtures, targets) without running anything"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="suite files or folders (default: suites/)")
    parser.add_argument("--requirements", type=Path, default=Path("fixtures/requirements.yaml"))
    parser.add_argument("--routes", type=Path, default=Path("fixtures/routes.yaml"))
    parser.add_argument("--malformed", type=Path, default=Path("fixtures/malformed-tokens.yaml"))
    parser.add_argument("--targets", type=Path, default=None,
                        help="also check this targets file (its ${VAR}s must be set)")


def main(args: argparse.Namespace) -> int:
    catalogue = load_catalogue(locate(args.requirements))
    routes_path, malformed_path = locate(args.routes), locate(args.malformed)
    routes = load_routes(routes_path if routes_path.exists() else None)
    malformed = load_malformed(malformed_path if malformed_path.exists() else None)
    files = suite_paths([locate(p) for p in (args.paths or [Path("suites")])])
    suites, errors = check_suites(files, catalogue, routes=routes, malformed=malformed)
    if args.targets is not None:
        from aigw_conformance.targets import load_targets
        load_targets(locate(args.targets))  # a ConfigError is reported by the CLI (exit 2)
    for err in errors:
        print(redact(str(err)), file=sys.stderr)
    if errors:
        print(f"validate: {len(errors)} of {len(files)} file(s) invalid", file=sys.stderr)
        return exitcodes.INVALID_INPUT
    n_sc = sum(len(s.scenarios) for s in suites)
    n_cases = sum(len(expand(s, catalogue, malformed=malformed)) for s in suites)
    print(f"validate: {len(files)} file(s), {n_sc} scenario(s), {n_cases} test case(s): all valid")
    return exitcodes.OK
