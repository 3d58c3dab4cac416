"""Remove the tokens and users that killed runs left on a target.

Everything a run creates on a target is named `aigw-<run tag>-…` (tokens/naming.py) and deleted at
the end of the run, also on Ctrl-C and SIGTERM. A run that was killed outright (SIGKILL, a lost CI
runner, a machine that went down) cannot clean up: `clean` lists the tokens of every user (the
operator is an Owner) and the users through the token REST API and deletes those whose names start
with the prefix: one run's (`--run RUN_ID`, the run folder's name) or every harness name (`aigw-`,
the default). A name without the harness's prefix is never touched. Every deployment of the target is
cleaned: its own, and each endpoint that declares its own token source.

Exit codes: 0 done (also when nothing was left), 2 invalid targets file or option, 3 the target
could not be reached or refused the operator token.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from aigw_conformance import exitcodes
from aigw_conformance.errors import ConfigError
from aigw_conformance.tokens.naming import HARNESS_PREFIX, run_prefix

NAME = "clean"
HELP = "remove tokens and users that killed runs left on a target (names starting aigw-)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", default="reference", help="target name in targets.yaml (default: reference)")
    parser.add_argument("--targets-file", default=None, help="targets.yaml to read")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--run", default=None, metavar="RUN_ID",
                       help="only what this run left (its run id: the name of its report folder)")
    which.add_argument("--prefix", default=None,
                       help=f"only names starting with this (must start with {HARNESS_PREFIX!r}; default: {HARNESS_PREFIX!r})")
    parser.add_argument("--dry-run", action="store_true", help="list what would be removed, remove nothing")


def prefix_of(args: argparse.Namespace) -> str:
    if args.run is not None:
        return run_prefix(args.run)
    prefix = args.prefix if args.prefix is not None else HARNESS_PREFIX
    if not prefix.startswith(HARNESS_PREFIX):
        raise ConfigError(f"--prefix {prefix!r}: clean removes only names the harness gave, and those start "
                          f"with {HARNESS_PREFIX!r}")
    return prefix


def main(args: argparse.Namespace) -> int:
    from aigw_common.redaction import Redactor
    from aigw_conformance.run.options import RunOptions
    from aigw_conformance.run.start import declared_target

    prefix = prefix_of(args)
    redactor = Redactor()   # the target's secrets are registered as the file is read
    target = declared_target(RunOptions(target=args.target,
                                        targets_file=Path(args.targets_file) if args.targets_file else None),
                             redactor)
    if target.kind == "reference":
        print(f"clean: target {target.name!r} is the embedded reference: every run starts it with a fresh "
              "database and stops it at the end, so nothing is left behind to clean")
        return exitcodes.OK
    from aigw_conformance.tokens.leftovers import clean_target

    lines, total = clean_target(target, prefix, redactor, dry_run=args.dry_run)
    for line in lines:
        print(redactor.redact(line))
    verb = "would remove" if args.dry_run else "removed"
    print(redactor.redact(f"clean: {verb} {total} item(s) named {prefix}… from target {target.name!r}"))
    return exitcodes.OK
