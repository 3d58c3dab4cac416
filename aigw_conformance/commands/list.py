"""List scenarios with the requirements they prove, their profile and effective level."""

from __future__ import annotations

import argparse
from pathlib import Path

from aigw_conformance import exitcodes, resources
from aigw_conformance.errors import ConfigError

NAME = "list"
HELP = "list scenario ids, the requirement ids they cite, profile and level"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="suite files or folders (default: the suites shipped with the harness)")
    parser.add_argument("--profile", action="append", default=None, metavar="P",
                        help="only scenarios of this profile (repeatable)")
    parser.add_argument("--cases", action="store_true", help="one line per test case (variants expanded)")
    parser.add_argument("--requirements", type=Path, default=None, help="requirement catalogue (default: shipped)")


def rows(args: argparse.Namespace) -> list[tuple[str, str, str, str]]:
    # imported here: every command module is imported to build the CLI, whichever command runs
    from aigw_conformance.requirements import load_catalogue
    from aigw_conformance.scenario.discovery import check_named
    from aigw_conformance.scenario.expand import expand
    from aigw_conformance.scenario.loader import load_suites
    from aigw_conformance.scenario.routes import load_routes
    from aigw_conformance.tokens.malformed import load_malformed

    catalogue = load_catalogue(args.requirements)
    if args.profile:
        unknown = [p for p in args.profile if p not in catalogue.profiles()]
        if unknown:
            raise ConfigError(f"unknown profile {unknown[0]!r}; known: {', '.join(catalogue.profiles())}",
                              file="command line", field="--profile")
    routes = load_routes(None)
    malformed = load_malformed(None)
    # a named folder: its suites, recognised by content as `run --suites` does; a named file: as given
    files = [f for p in (args.paths or [resources.suites_dir()])
             for f in ([p] if p.is_file() else check_named(p, "PATH"))]
    suites = load_suites(files, catalogue,
                         routes=routes, malformed=malformed)
    out = []
    for suite in suites:
        seen: set[str] = set()
        for case in expand(suite, catalogue, malformed=malformed):
            if args.profile and case.profile not in args.profile:
                continue
            ident = case.test_id if args.cases else case.scenario.id
            if ident in seen:
                continue
            seen.add(ident)
            out.append((ident, ",".join(case.requirements), case.profile, case.level))
    return out


def main(args: argparse.Namespace) -> int:
    table = rows(args)
    head = ("SCENARIO", "REQUIREMENTS", "PROFILE", "LEVEL")
    widths = [max(len(r[i]) for r in [head, *table]) for i in range(4)]
    for r in [head, *table]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    print(f"{len(table)} {'case' if args.cases else 'scenario'}(s)")
    return exitcodes.OK
