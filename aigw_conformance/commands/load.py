"""Authentication under load: the workloads of suites/load/workloads.yaml, driven by Locust.

Runs a Locust master and --workers K local workers (headless, their own processes) against a target
from targets.yaml; tokens are minted and cleaned up by the same broker as `run`, and every request
passes the target's network policy. Each workload runs for --duration seconds and stops by itself.
Reports go to reports/<run-id>/ (conformance.json with a `load` section, Locust's CSV and HTML per
workload, allure-results for `aigw-conformance report`).

Distributed: on this machine `aigw-conformance load --remote-workers N --master-bind 0.0.0.0`, on
each other machine `aigw-conformance load --master-host THIS_HOST --workers K` (docs/guide-load.md).

Exit codes: 0 no gating workload failed; 1 a gating workload failed (gating: the target claims the
`load` profile, or --gate); 2 invalid workload file, target or option; 3 a gating workload could not
be judged; 4 harness internal error; 130 interrupted (tokens are cleaned up).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from aigw_conformance import exitcodes

NAME = "load"
HELP = "authentication under load (Locust): mixed tokens, revocation, flood, rate limit"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from aigw_conformance import resources   # light: the workload loader is imported by main() only
    DEFAULT_PATH = resources.suites_dir() / "load" / "workloads.yaml"
    parser.add_argument("--target", default="reference", help="target name in targets.yaml (default: reference)")
    parser.add_argument("--targets-file", default=None, type=Path, help="targets.yaml to read")
    parser.add_argument("--workloads", default=DEFAULT_PATH, type=Path, dest="workloads_file",
                        help="workloads file (default: suites/load/workloads.yaml)")
    parser.add_argument("--workload", action="append", default=[], metavar="ID", help="run only this workload (repeatable)")
    parser.add_argument("--users", type=int, default=None, help="users per workload (default: the file's)")
    parser.add_argument("--rate", type=float, default=None, help="requests per second per workload (default: the file's)")
    parser.add_argument("--duration", type=float, default=None, help="seconds per workload (default: the file's)")
    parser.add_argument("--allow-high-rate", action="store_true",
                        help="lift the low rate and duration caps that apply to external targets")
    parser.add_argument("--workers", type=int, default=2, help="local Locust workers (default 2; 0 = one local process)")
    parser.add_argument("--remote-workers", type=int, default=0,
                        help="also wait for N workers from other machines (they connect to --master-bind:--master-port)")
    parser.add_argument("--master-bind", default="127.0.0.1", help="address the master listens on (default 127.0.0.1)")
    parser.add_argument("--master-port", type=int, default=None, help="master port (default: free port; 5557 with remote workers)")
    parser.add_argument("--master-host", default=None,
                        help="run only --workers workers here, for the master on host H (another machine)")
    parser.add_argument("--gate", action="store_true", help="workloads are MUST for this run (as if the target claimed `load`)")
    parser.add_argument("--fault", action="append", default=[], dest="faults", metavar="NAME",
                        help="start the embedded reference with this named fault (repeatable)")
    parser.add_argument("--era", choices=("newest", "older"), default=None, help="protocol era of the reference")
    parser.add_argument("--report-dir", default=Path("reports"), type=Path, help="root of the report folders")
    parser.add_argument("--run-id", default=None, help="run folder name (default: a timestamp)")
    parser.add_argument("--check", action="store_true", help="validate the workloads file and stop")


def main(args: argparse.Namespace) -> int:
    from aigw_conformance.errors import ConfigError
    from aigw_conformance.load.loader import load_workloads, select

    if args.workers < 0 or args.remote_workers < 0:
        raise ConfigError("--workers and --remote-workers cannot be negative", field="--workers")
    if args.master_host:
        from aigw_conformance.load.processes import DEFAULT_MASTER_PORT
        from aigw_conformance.load.workers import run_workers
        _shared_worker_key()
        return run_workers(args.master_host, args.master_port or DEFAULT_MASTER_PORT, max(1, args.workers))
    if args.check:
        wf = load_workloads(args.workloads_file)
        for w in select(wf, args.workload):
            print(f"{w.id:<18} {w.kind:<11} [{', '.join(w.requirement)}] {w.title}")
        print(f"{args.workloads_file}: {len(wf.workloads)} workload(s), valid")
        return exitcodes.OK
    import importlib.util
    if importlib.util.find_spec("locust") is None:   # looked up, not imported: gevent stays out of here
        raise ConfigError("Locust is not installed: pip install 'aigw-conformance[load]' "
                          "(or bash scripts/setup.sh load)", field="load")
    from aigw_conformance.load.orchestrate import Engine
    from aigw_conformance.load.processes import DEFAULT_MASTER_PORT
    from aigw_conformance.load.run import LoadOptions, run_load
    from aigw_conformance.load.settings import Overrides
    from aigw_conformance.load.centre import new_run_id

    if args.remote_workers and args.master_bind in ("127.0.0.1", "::1", "localhost"):
        print("load: note: the master listens on loopback only, so only workers on this machine (or through an "
              "SSH tunnel) can connect; other machines need --master-bind 0.0.0.0", flush=True)
    port = args.master_port or (DEFAULT_MASTER_PORT if args.remote_workers else None)
    key = {"worker_key": _shared_worker_key()} if args.remote_workers else {}   # else a fresh one per run
    opts = LoadOptions(
        target=args.target, targets_file=args.targets_file, workloads_file=args.workloads_file,
        workloads=tuple(args.workload), gate=args.gate, faults=tuple(args.faults), era=args.era,
        overrides=Overrides(args.users, args.rate, args.duration, args.allow_high_rate),
        engine=Engine(args.workers, args.remote_workers, args.master_bind, port, **key),
        report_dir=args.report_dir, run_id=args.run_id or new_run_id())
    return run_load(opts, out=lambda line: print(line, flush=True))


def _shared_worker_key() -> str:
    """Workers on other machines get the plan (tokens inside) only by presenting the key both sides
    read from AIGW_LOAD_WORKER_KEY; anything that reaches the master's port could otherwise ask for it."""
    import os

    from aigw_conformance.errors import ConfigError
    from aigw_conformance.load.processes import KEY_ENV
    key = os.environ.get(KEY_ENV, "")
    if len(key) < 16:
        raise ConfigError(f"workers on other machines need a shared key: set {KEY_ENV} to the same random value "
                          "(16 characters or more, e.g. `openssl rand -hex 16`) on the master and on every worker "
                          "machine", field=KEY_ENV)
    return key
