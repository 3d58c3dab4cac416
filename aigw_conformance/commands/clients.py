"""The pinned real clients of the live-clients profile.

    aigw-conformance clients status            which clients are pinned, installed, and whether sealing works here
    aigw-conformance clients record [--client NAME]...
        runs the recording scenarios of suites/live-clients.yaml against the embedded reference (sealed,
        captured) and writes each client's real request shapes (header names, order, values with secrets
        and per-run values replaced) to fixtures/client-shapes/<client>.json. tests/aigw_conformance/clients/test_shapes.py checks that
        the emulated `clients` suite sends the same shapes, so upgrading a client is: change its pin in
        package.json (or pyproject's live-clients extra), `npm ci`, run this, fix what the test names.

Exit codes: 0 done; 1 a recording scenario failed (nothing is written); 2 usage; 3 sealing or a
client is not available here.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aigw_conformance import exitcodes

NAME = "clients"
HELP = "the pinned real clients: status, and `record` their request shapes into fixtures/client-shapes/"

#: live scenario -> (client, configuration name, the emulated scenario of suites/clients.yaml it mirrors)
RECORDINGS: dict[str, tuple[str, str, str | None]] = {
    "LIVE-CLAUDE-CODE-AUTH-TOKEN": ("claude-code", "auth-token", "CLIENT-CLAUDE-CODE-AUTH-TOKEN"),
    "LIVE-CLAUDE-CODE-API-KEY": ("claude-code", "api-key", "CLIENT-CLAUDE-CODE-API-KEY-LEGACY"),
    "LIVE-CLAUDE-CODE-BYOK-KEY": ("claude-code", "byok-key", "CLIENT-CLAUDE-CODE-BYOK-KEY"),
    "LIVE-CLAUDE-CODE-BYOK-BEARER": ("claude-code", "byok-bearer", "CLIENT-CLAUDE-CODE-BYOK-SUBSCRIPTION"),
    "LIVE-CODEX-CENTRALIZED": ("codex", "centralized", "CLIENT-CODEX-CENTRALIZED"),
    "LIVE-CODEX-BYOK": ("codex", "byok", "CLIENT-CODEX-BYOK-KEY"),
    "LIVE-OPENAI-SDK-API-KEY": ("openai-python", "chat", "CLIENT-OPENAI-SDK"),
    "LIVE-ANTHROPIC-SDK-API-KEY": ("anthropic-python", "messages", None),
    "LIVE-COPILOT-PROVIDER": ("copilot", "provider", None),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("status", "record"))
    parser.add_argument("--client", action="append", default=[], dest="clients",
                        help="record only this client (repeatable; default: all)")
    parser.add_argument("--out", type=Path, default=None, help="folder for the shapes (default: fixtures/client-shapes)")


def status() -> int:
    from aigw_conformance.clients import CLIENTS, sealing_problem
    from aigw_conformance.clients import catalogue
    problem = sealing_problem()
    print(f"sealing      {'ok (network namespace with only lo)' if problem is None else 'NOT AVAILABLE: ' + problem}")
    for c in CLIENTS.values():
        if c.kind == "unavailable":
            print(f"{c.name:<17} not run: {catalogue.COPILOT_GITHUB_REASON}")
            continue
        have = catalogue.installed_version(c) if catalogue.command(c) else None
        print(f"{c.name:<17} pinned {catalogue.pinned_version(c) or '?':<10} installed {have or 'no'}")
    return exitcodes.OK if problem is None else exitcodes.TARGET_UNREACHABLE


def record(clients: list[str], out: Path | None) -> int:
    from aigw_conformance.clients.case_hook import SHAPES_ENV
    from aigw_conformance.clients.shapes import SHAPES_DIR
    chosen = {sid: r for sid, r in RECORDINGS.items() if not clients or r[0] in clients}
    if not chosen:
        print(f"clients record: no recording for {', '.join(clients)}; known: "
              f"{', '.join(sorted({r[0] for r in RECORDINGS.values()}))}", file=sys.stderr)
        return exitcodes.INVALID_INPUT
    out = out or SHAPES_DIR
    with tempfile.TemporaryDirectory(prefix="aigw-record-") as tmp:
        shapes, reports = Path(tmp) / "shapes", Path(tmp) / "reports"
        cmd = [sys.executable, "-m", "aigw_conformance", "run", "--profile", "live-clients",
               "--report-dir", str(reports), "-q", "-k", " or ".join(sorted(chosen))]
        print("clients record: running " + ", ".join(sorted(chosen)), flush=True)
        done = subprocess.run(cmd, env={**os.environ, SHAPES_ENV: str(shapes)}, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            print("clients record: a recording scenario did not pass; fixtures left unchanged", file=sys.stderr)
            return exitcodes.NONCONFORMANT
        missing = [sid for sid in chosen if not (shapes / f"{sid}.json").exists()]
        if missing:
            print(f"clients record: no shapes from {', '.join(missing)} (client not installed, or not sealed: "
                  "see `aigw-conformance clients status`)", file=sys.stderr)
            return exitcodes.TARGET_UNREACHABLE
        by_client: dict[str, dict] = {}
        for sid, (client, config, emulated) in sorted(chosen.items()):
            run = json.loads((shapes / f"{sid}.json").read_text(encoding="utf-8"))
            doc = by_client.setdefault(client, {"client": client, "package": run["package"],
                                                "version": run["version"], "configurations": {}})
            doc["configurations"][config] = {"live_scenario": sid, "emulated_scenario": emulated,
                                             "requests": run["requests"]}
    out.mkdir(parents=True, exist_ok=True)
    for client, doc in by_client.items():
        path = out / f"{client}.json"
        old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        merged = {**doc, "configurations": {**old.get("configurations", {}), **doc["configurations"]},
                  "recorded": time.strftime("%Y-%m-%d", time.gmtime()),
                  "recorded_by": "aigw-conformance clients record"}
        path.write_text(json.dumps(merged, indent=1, sort_keys=False) + "\n", encoding="utf-8")
        print(f"clients record: {path} ({client} {doc['version']}, {len(doc['configurations'])} configuration(s))")
    return exitcodes.OK


def main(args: argparse.Namespace) -> int:
    return status() if args.action == "status" else record(args.clients, args.out)
