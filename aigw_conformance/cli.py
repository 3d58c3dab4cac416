"""`aigw-conformance`: one entry point, one module per subcommand.

Each module in `aigw_conformance.commands` defines NAME, HELP, ``add_arguments(parser)`` and
``main(args) -> int``; they are discovered here, so a new command is a new file. Nothing reaches the
user as a traceback: AigwError becomes its paragraph, anything else an internal-error line.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

from aigw_conformance import commands, exitcodes
from aigw_conformance.errors import AigwError, ConfigError, ScenarioError
from aigw_common.redaction import mask_token_shapes as redact  # files read back were redacted when written


def _command_modules(only: str | None = None):
    """Every command module, or just `only` when it names one (a command's NAME is its module's
    name): the others' imports would be wasted on every `run` (~25 ms)."""
    names = sorted(i.name for i in pkgutil.iter_modules(commands.__path__) if not i.name.startswith("_"))
    for name in [only] if only in names else names:
        mod = importlib.import_module(f"{commands.__name__}.{name}")
        if hasattr(mod, "NAME") and hasattr(mod, "main"):
            yield mod


def build_parser(argv: list[str] | None = None) -> tuple[argparse.ArgumentParser, dict]:
    """The parser for `argv`'s command alone when its first word is one, else for every command
    (the top-level help lists them all)."""
    parser = argparse.ArgumentParser(
        prog="aigw-conformance",
        description="Conformance harness for AI Gateway client authentication.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    mains = {}
    for mod in _command_modules(argv[0] if argv else None):
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=getattr(mod, "__doc__", None))
        mod.add_arguments(p)
        mains[mod.NAME] = mod.main
    return parser, mains


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, mains = build_parser(argv)
    # `run` forwards unknown options to pytest, so it parses its own tail.
    args, rest = parser.parse_known_args(argv)
    if args.command is None:
        parser.print_help()
        return exitcodes.INVALID_INPUT
    if rest and not getattr(args, "accepts_passthrough", False):
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.passthrough = rest
    try:
        return int(mains[args.command](args) or 0)
    except (ScenarioError, ConfigError) as exc:
        print(f"aigw-conformance: {redact(str(exc))}", file=sys.stderr)
        return exitcodes.INVALID_INPUT
    except AigwError as exc:
        print(f"aigw-conformance: {redact(str(exc))}", file=sys.stderr)
        return exitcodes.TARGET_UNREACHABLE
    except KeyboardInterrupt:
        print("aigw-conformance: interrupted", file=sys.stderr)
        return exitcodes.INTERRUPTED
    except BrokenPipeError:  # `aigw-conformance list | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return exitcodes.OK
    except Exception as exc:  # noqa: BLE001 - the last line of defence against a traceback
        print(f"aigw-conformance: internal error ({type(exc).__name__}: {redact(str(exc))}); "
              "please report it with the command line you ran", file=sys.stderr)
        return exitcodes.INTERNAL_ERROR


def entry() -> None:
    """The console script: `main`, then for `run` an exit without the interpreter's teardown
    (aigw_conformance.quick_exit). Other commands exit normally."""
    argv = sys.argv[1:]
    if argv[:1] == ["run"]:
        from aigw_common.unused_imports import skip_for_run
        skip_for_run(argv)
    rc = main(argv)
    if argv[:1] == ["run"]:
        from aigw_conformance import quick_exit
        if quick_exit.allowed():
            quick_exit.exit_now(rc)
    sys.exit(rc)


if __name__ == "__main__":
    entry()
