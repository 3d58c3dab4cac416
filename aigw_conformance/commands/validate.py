"""Check suite files (and optionally targets.yaml) without running anything.

Every bad file is reported as one paragraph naming file, line and field; the exit code is 0 when
everything is valid and 2 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aigw_conformance import exitcodes, resources
from aigw_common.redaction import mask_token_shapes as redact  # files read back were redacted when written

NAME = "validate"
HELP = "check suite files (and fixtures, targets) without running anything"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="suite files or folders (default: the suites shipped with the harness)")
    parser.add_argument("--requirements", type=Path, default=None, help="requirement catalogue (default: shipped)")
    parser.add_argument("--routes", type=Path, default=None, help="route aliases (default: shipped)")
    parser.add_argument("--malformed", type=Path, default=None, help="malformed-token catalogue (default: shipped)")
    parser.add_argument("--targets", type=Path, default=None,
                        help="also check this targets file (its ${VAR}s must be set)")


def main(args: argparse.Namespace) -> int:
    # imported here: every command module is imported to build the CLI, whichever command runs
    from aigw_conformance.requirements import load_catalogue
    from aigw_conformance.scenario.expand import expand
    from aigw_conformance.scenario.loader import check_suites, suite_paths
    from aigw_conformance.scenario.routes import load_routes
    from aigw_conformance.tokens.malformed import load_malformed

    catalogue = load_catalogue(args.requirements)
    routes = load_routes(args.routes)
    malformed = load_malformed(args.malformed)
    files = suite_paths(args.paths or [resources.suites_dir()])
    suites, errors = check_suites(files, catalogue, routes=routes, malformed=malformed)
    if args.targets is not None:
        from aigw_conformance.targets import load_targets
        load_targets(args.targets)  # a ConfigError is reported by the CLI (exit 2)
    for err in errors:
        print(redact(str(err)), file=sys.stderr)
    if errors:
        print(f"validate: {len(errors)} of {len(files)} file(s) invalid", file=sys.stderr)
        return exitcodes.INVALID_INPUT
    n_sc = sum(len(s.scenarios) for s in suites)
    n_cases = sum(len(expand(s, catalogue, malformed=malformed)) for s in suites)
    print(f"validate: {len(files)} file(s), {n_sc} scenario(s), {n_cases} test case(s): all valid")
    return exitcodes.OK
