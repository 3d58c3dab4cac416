"""Prove the suite: run it against the faithful reference and against every named fault, and write
a detection matrix to reports/selftest-<stamp>/matrix.{md,json}.

The faithful reference runs once per era it can play (newest, older, model-authz; `--era` narrows
that); each fault runs in the era its rule lives in (as the reference lists its faults) and is compared
with the faithful run of that era. The matrix also says, per requirement, how many independent paths
(passed scenario cases) check it, so thin coverage shows before a fault finds it.

Exit codes: 0 every fault caught (weak detections are reported, not fatal) and the faithful run
passed every scenario; 1 a fault was missed or the faithful reference failed/errored;
2 invalid option (unknown fault). Unknown options are passed to every run (e.g. -k, --aigw-profile).
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime, timezone
from pathlib import Path

from aigw_conformance import exitcodes

NAME = "selftest"
HELP = "run the suites against the faithful reference and every fault; write a detection matrix"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fault", action="append", default=[], dest="faults",
                        help="fault to include (repeatable; default: every fault in the catalogue)")
    parser.add_argument("--jobs", type=int, default=2, help="runs in parallel (default: 2)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds allowed per run (default: 600)")
    parser.add_argument("--report-dir", default="reports", help="root of the report folders (default: reports/)")
    parser.add_argument("--stamp", default=None, help="folder suffix (default: a UTC timestamp)")
    parser.add_argument("--recompile", default=None, metavar="DIR",
                        help="rebuild the matrix from the runs of an earlier selftest-<stamp> folder; runs nothing")
    parser.add_argument("--era", action="append", default=[], dest="eras", choices=("newest", "older", "model-authz"),
                        help="faithful eras to run (repeatable; default: every era the reference plays)")
    parser.add_argument("--flakiness", default=None, metavar="FILE",
                        help="flakiness.json of bench/flakiness.py: its unstable scenarios are not counted as detection")
    parser.set_defaults(accepts_passthrough=True)


def main(args: argparse.Namespace) -> int:
    from aigw_conformance.errors import ConfigError
    from aigw_conformance.selftest import compile_matrix
    from aigw_conformance.eras import ERAS
    from aigw_conformance.selftest.runner import RunSpec, load_era_runs, load_runs, run_all_eras
    from aigw_conformance.targets.reference_process import reference_faults

    FAULTS, FAULT_ERAS = reference_faults()

    unknown = sorted(set(args.faults) - FAULTS.keys())
    if unknown:
        raise ConfigError(f"unknown fault(s) {', '.join(unknown)}; known: {', '.join(sorted(FAULTS))}",
                          file="command line", field="--fault")
    if args.jobs < 1 or args.timeout <= 0:
        raise ConfigError("--jobs must be at least 1 and --timeout positive", file="command line", field="--jobs")
    faults = sorted(set(args.faults)) if args.faults else sorted(FAULTS)
    unstable = _unstable(args.flakiness)
    stamp = args.stamp or datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out_dir = Path(args.report_dir) / f"selftest-{stamp}"
    extra = tuple(a for a in (getattr(args, "passthrough", None) or []) if a != "--")
    # The live clients (minutes per run) stay out of the per-fault runs unless asked for; a -m given
    # by the user comes later and wins (tests/aigw_conformance/clients proves the live scenarios catch their fault).
    extra = ("-m", "not live_clients", *extra)
    if args.recompile:
        src = Path(args.recompile)
        if not (src / "runs").is_dir():
            raise ConfigError("not a self-test folder (it has no runs/)", file=str(src), field="--recompile")
        if not args.faults:    # only the faults that were run there
            faults = sorted(d.name for d in (src / "runs").iterdir() if d.name in FAULTS)
        faithful, runs = load_runs(src, faults)
        try:    # keep the wall time of the original run
            wall = json.loads((src / "matrix.json").read_text(encoding="utf-8"))["totals"]["wall_seconds"]
        except (OSError, ValueError, KeyError, TypeError):
            wall = 0.0
        matrix = compile_matrix(faithful, runs, FAULTS, stamp=src.name.removeprefix("selftest-"), wall_seconds=wall,
                                unstable=unstable, faithful_eras=load_era_runs(src), fault_eras=FAULT_ERAS,
                                requirements=_gated_requirements())
        return _finish(matrix, src)
    spec = RunSpec(out_dir=out_dir, timeout=args.timeout, extra=extra)
    eras = tuple(args.eras) or ERAS
    print(f"self-test: faithful in {', '.join(eras)} + {len(faults)} fault(s), {args.jobs} at a time -> {out_dir}",
          flush=True)
    started = time.monotonic()
    faithfuls, runs = run_all_eras(spec, faults, jobs=args.jobs, progress=lambda m: print("  " + m, flush=True),
                                   eras=eras, fault_eras=FAULT_ERAS)
    others = {e: r for e, r in faithfuls.items() if e != "newest"}
    matrix = compile_matrix(faithfuls["newest"], runs, FAULTS, wall_seconds=time.monotonic() - started,
                            stamp=stamp, selection=extra, unstable=unstable, faithful_eras=others,
                            fault_eras=FAULT_ERAS, requirements=_gated_requirements())
    return _finish(matrix, out_dir)


def _gated_requirements() -> list[str]:
    """Every requirement a scenario should check (the informative AUTH-DOC-* need none)."""
    from aigw_conformance.requirements import load_catalogue
    cat = load_catalogue()
    return [r.id for r in cat.requirements.values() if r.profile != "informative"]


def _unstable(path: str | None) -> frozenset[str]:
    from aigw_conformance.errors import ConfigError

    if not path:
        return frozenset()
    try:
        changed = json.loads(Path(path).read_text(encoding="utf-8"))["changed"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read the unstable scenarios ({exc.__class__.__name__})",
                          file=path, field="changed") from None
    return frozenset(changed)


def _finish(matrix, out_dir: Path) -> int:
    from aigw_conformance.selftest import exit_code, summary_lines, write_matrix

    js, md = write_matrix(matrix, out_dir)
    for line in summary_lines(matrix):
        print(line)
    print(f"matrix: {md} and {js}")
    return exitcodes.OK if exit_code(matrix) == 0 else exitcodes.NONCONFORMANT
