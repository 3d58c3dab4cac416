"""Add a commented entry for a new external target to ./targets.yaml (created from the shipped one,
with its `reference` target, when missing).

The entry names every value the target needs; secrets and unknown values are `${VAR}`s read from
the environment when the target is used. An existing target of the same name is never overwritten.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from aigw_conformance import exitcodes
from aigw_conformance.target_template import NewTarget, add_to_file

NAME = "init"
HELP = "add a commented entry for a new external target to targets.yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", default="staging", metavar="NAME",
                        help="the target's name (default: staging)")
    parser.add_argument("--targets-file", type=Path, default=Path("targets.yaml"),
                        help="the file to add to (default: ./targets.yaml)")
    parser.add_argument("--base-url", default=None,
                        help="the deployment's URL (default: read from ${AIGW_<NAME>_BASE_URL})")
    parser.add_argument("--tokens", choices=("coder-api", "static"), default="coder-api",
                        help="mint tokens with an operator token (coder-api, default) or use pre-made ones (static)")


def main(args: argparse.Namespace) -> int:
    target = NewTarget(name=args.name, base_url=args.base_url, tokens=args.tokens)
    created = not args.targets_file.exists()
    line = add_to_file(args.targets_file, target)
    made = "created, " if created else ""
    print(f"{args.targets_file}: {made}target {target.name!r} added at line {line}")
    needed = target.variables()
    if needed:
        print(f"set {', '.join(needed)} in the environment (never in the file)")
    print(f"then: aigw-conformance validate --targets {args.targets_file}")
    print(f"      aigw-conformance run --target {target.name}")
    return exitcodes.OK
