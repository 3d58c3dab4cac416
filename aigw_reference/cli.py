"""Argument parsing and the two entry points (serve, canary), shared by `python -m aigw_reference` and
`aigw-conformance reference`."""

from __future__ import annotations

import argparse
import dataclasses
import asyncio
import sys
from pathlib import Path

from aigw_common.errors import AigwError

from . import faults as fault_registry
from .config import ReferenceConfig, load_config


def add_serve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--state-file", type=Path, help="write the state JSON here when every listener is up")
    p.add_argument("--config", type=Path, help="YAML file with ReferenceConfig fields")
    p.add_argument("--fault", action="append", default=[], metavar="NAME",
                   help="break one rule on purpose (repeatable); see aigw_reference/faults.py")
    p.add_argument("--era", choices=("newest", "older", "model-authz"), default=None)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--proxy", dest="proxy", action="store_true", default=True)
    p.add_argument("--no-proxy", dest="proxy", action="store_false")
    p.add_argument("--proxy-allow-port", action="append", default=[], type=int, metavar="PORT",
                   help="also let the proxy CONNECT to this port (besides 80 and 443), e.g. a tunnel echo")
    p.add_argument("--keep-alive", type=float, default=None, metavar="SECONDS",
                   help="close idle kept-alive connections after this long (default 5)")
    p.add_argument("--no-byok", dest="allow_byok", action="store_false", default=None,
                   help="play a deployment with BYOK disabled (allow_byok=false)")


def add_canary_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)


def build_config(args) -> ReferenceConfig:
    faults = fault_registry.validate(args.fault)
    cfg = load_config(args.config, era=args.era) if args.config else ReferenceConfig(era=args.era or "newest")
    ports = tuple(dict.fromkeys([*cfg.proxy_allowed_ports, *(str(p) for p in args.proxy_allow_port)]))
    cfg = dataclasses.replace(cfg, faults=cfg.faults | faults, proxy_allowed_ports=ports)
    if args.keep_alive is not None:
        cfg = dataclasses.replace(cfg, keepalive_timeout_s=args.keep_alive)
    if args.allow_byok is not None:
        cfg = dataclasses.replace(cfg, allow_byok=args.allow_byok)
    return cfg


def _check_host(host: str) -> None:
    from aigw_common.netguard import is_loopback
    if not is_loopback(host):
        raise AigwError(f"--host {host}: the reference gateway listens on loopback only")


def run_serve(args, *, announce: bool) -> int:
    _check_host(args.host)
    cfg = build_config(args)

    def ready(state: dict) -> None:
        if announce:
            op_id = state["operator"]["token"].split("-")[0]
            lines = [f"gateway        {state['base_url']}  (era {state['era']}, faults: "
                     f"{', '.join(state['faults']) or 'none'})",
                     *(f"{k:<14} {v}" for k, v in state["endpoints"].items()),
                     f"proxy          {state['proxy_url'] or 'off'}", f"canary         {state['canary_url']}",
                     f"operator       {state['operator']['username']}, token id {op_id} "
                     f"(secret in the state file{' ' + str(args.state_file) if args.state_file else ''})",
                     "Press Ctrl-C to stop."]
            print("\n".join(lines), flush=True)

    from .server import serve
    try:
        asyncio.run(serve(cfg, state_file=args.state_file, host=args.host, port=args.port, proxy=args.proxy,
                          on_ready=ready))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        raise AigwError(f"reference gateway could not listen on {args.host}:{args.port}: {exc.strerror}") from None
    return 0


def run_canary(args) -> int:
    _check_host(args.host)
    from .server import serve_canary
    try:
        asyncio.run(serve_canary(args.host, args.port, on_ready=lambda url: print(f"canary {url}", flush=True)))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        raise AigwError(f"canary could not listen on {args.host}:{args.port}: {exc.strerror}") from None
    return 0


def run_faults(args) -> int:
    """The named faults as JSON {name: [requirement, description, era]}: the harness's self-test reads it."""
    import json
    print(json.dumps({name: [*v, fault_registry.era_of(name)] for name, v in sorted(fault_registry.FAULTS.items())}))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aigw_reference")
    sub = parser.add_subparsers(dest="cmd", required=True)
    add_serve_arguments(sub.add_parser("serve", help="run the reference gateway"))
    add_canary_arguments(sub.add_parser("canary", help="run the canary upstream alone"))
    sub.add_parser("faults", help="list the named faults as JSON")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "faults":
            return run_faults(args)
        return run_serve(args, announce=True) if args.cmd == "serve" else run_canary(args)
    except AigwError as exc:
        print(f"aigw_reference: {exc}", file=sys.stderr)
        return 2
