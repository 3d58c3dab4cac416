"""Run the embedded reference gateway (`serve`), its canary upstream alone (`canary`), or list its
named faults (`faults`), as its own program: `python -m aigw_reference …` with the same arguments.

`serve` prints the URLs and the operator token's id (never its secret) and runs until Ctrl-C;
`python -m aigw_reference serve --help` lists its options. The harness never imports the
reference: this command replaces itself with the reference's own program.
"""

from __future__ import annotations

import argparse
import os
import sys

NAME = "reference"
HELP = "run the embedded reference gateway or its canary upstream (python -m aigw_reference …)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("reference_cmd", choices=("serve", "canary", "faults"), metavar="serve|canary|faults")
    parser.add_argument("reference_args", nargs=argparse.REMAINDER,
                        help="passed to the reference (e.g. --state-file F --fault NAME --era older)")
    parser.set_defaults(accepts_passthrough=True)


def main(args: argparse.Namespace) -> int:
    argv = [sys.executable, "-m", "aigw_reference", args.reference_cmd,
            *args.reference_args, *(getattr(args, "passthrough", None) or [])]
    sys.stdout.flush()
    os.execv(sys.executable, argv)
    return 0  # not reached
