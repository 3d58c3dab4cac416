"""Run the embedded reference gateway (`serve`) or its canary upstream alone (`canary`) in this process.

`serve` prints the URLs and the operator token's id (never its secret) and runs until Ctrl-C.
"""

from __future__ import annotations

from aigw_reference.cli import add_canary_arguments, add_serve_arguments, run_canary, run_serve

NAME = "reference"
HELP = "run the embedded reference gateway or its canary upstream"


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="reference_cmd", metavar="serve|canary", required=True)
    add_serve_arguments(sub.add_parser("serve", help="run the reference gateway until Ctrl-C"))
    add_canary_arguments(sub.add_parser("canary", help="run the canary upstream alone"))


def main(args) -> int:
    if args.reference_cmd == "serve":
        return run_serve(args, announce=True)
    return run_canary(args)
