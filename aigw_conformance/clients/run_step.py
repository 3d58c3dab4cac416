"""Runs one `client:` step: prepare a private home, run the client sealed, observe, check.

Everything the step needs from the run comes in a `ClientRunEnv`, explicitly: the endpoint URLs the
harness itself uses (capture taps when capture is on, so the client's traffic is recorded and
tagged like any request step's), the API prefix, the proxy's CA, the network policy, the redactor,
the capture and the canary reader. Nothing here reads the run context.

Secrets: the client's home (config files with tokens), its env and its raw output live only in a
0700 temp folder that is deleted when the step ends; only redacted text leaves it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from aigw_conformance.errors import MismatchDetail
from aigw_common.netguard import NetworkPolicy, is_loopback
from aigw_conformance.scenario.client_step import ClientStep

from . import catalogue
from .checks import Observed, check_client
from .sandbox import Forward, SealedCommand, SealedRun, run_sealed, sealing_problem

Record = Callable[[str, str], None]
BASE_ENV_KEYS = ("PATH", "LANG", "LC_ALL", "TZ")
MAX_OUTPUT_SHOWN = 20000


class ClientUnavailable(Exception):
    """The client cannot run here (not installed, no sealing): the scenario is not-supported."""


@dataclass(frozen=True)
class ClientRunEnv:
    endpoints: Mapping[str, str]          # name -> URL as the harness reaches it ("default", "proxy", …)
    prefix: str                           # the canonical API prefix, e.g. /api/v2/ai-gateway
    policy: NetworkPolicy
    redactor: Any                         # .redact(text) -> text
    capture: Any = None                   # expect_connection / tag_port / har_text / handshakes
    canary: Any = None                    # .records(tracking_id) -> tuple[UpstreamRecord, ...]
    proxy_ca_pem: str | None = None
    run_dir: Path | None = None           # a timing line per client run goes to <run_dir>/live-clients.jsonl
    host_env: Mapping[str, str] = field(default_factory=dict)   # only BASE_ENV_KEYS are passed on
    shapes_dir: Path | None = None        # record mode (`clients record`): each run's request shapes go here


def _forwards(endpoints: Mapping[str, str]) -> tuple[list[Forward], str | None]:
    out: dict[int, Forward] = {}
    for name, url in endpoints.items():
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
        if not is_loopback(host):
            return [], (f"not-supported: endpoint {name} ({host}) is not on loopback; live clients reach an "
                        "external target only through the capture taps (run with capture on)")
        out[port] = Forward(port, host, port)
    return list(out.values()), None


def _authority(url: str | None) -> str:
    parts = urlsplit(url or "")
    return f"{parts.hostname}:{parts.port}" if parts.hostname and parts.port else ""


def client_view(env: ClientRunEnv, folder: Path) -> dict:
    """The harness-provided `target.*` names a client step may use, as the client reaches them."""
    view = {"gateway_url": env.endpoints.get("default", "").rstrip("/") + env.prefix,
            "proxy": _authority(env.endpoints.get("proxy"))}
    if env.proxy_ca_pem:
        ca = folder / "proxy-ca.pem"
        ca.write_text(env.proxy_ca_pem, encoding="utf-8")
        view["proxy_ca_file"] = str(ca)
    return view


def build_command(step: ClientStep, spec: dict, program: catalogue.ClientProgram, prefix_argv: list[str],
                  home: Path, env: ClientRunEnv) -> SealedCommand:
    for rel, text in (spec.get("files") or {}).items():
        path = home / rel
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_text(str(text), encoding="utf-8")
        path.chmod(0o600)
    for sub in ("work", "tmp", ".codex", ".copilot"):
        (home / sub).mkdir(exist_ok=True, mode=0o700)
    run_env = {k: v for k, v in env.host_env.items() if k in BASE_ENV_KEYS}
    run_env.update({"HOME": str(home), "TMPDIR": str(home / "tmp"), "TERM": "dumb", "NO_COLOR": "1",
                    "CODEX_HOME": str(home / ".codex"), "COPILOT_HOME": str(home / ".copilot")})
    run_env.setdefault("LANG", "C.UTF-8")
    run_env.update(program.quiet_env)
    run_env.update({str(k): str(v) for k, v in (spec.get("env") or {}).items()})
    if program.kind == "python":
        # default=str: a lone `{{ token }}` renders to the Token object itself (templates keep types)
        run_env["AIGW_SDK"] = json.dumps({"kwargs": spec.get("sdk") or {}, "call": spec.get("call"),
                                          "stream": spec.get("stream", True)}, default=str)
    args = spec.get("args")
    argv = [*prefix_argv, *program.quiet_args,
            *(list(args) if args is not None else program.default_args(str(spec.get("prompt", ""))))]
    forwards, _ = _forwards(env.endpoints)
    return SealedCommand(argv=[str(a) for a in argv], env=run_env, cwd=home / "work", forwards=forwards,
                         timeout=float(step.client.timeout))


def _captured(capture, test_id: str) -> tuple[list[dict], list[dict]]:
    """The test's HTTP flows (HAR entries, redacted) and CONNECT transcripts so far, in start order."""
    if capture is None:
        return [], []
    try:
        flows = list(json.loads(capture.har_text(test_id)).get("log", {}).get("entries", []))
    except (ValueError, AttributeError):
        flows = []
    return flows, list(capture.handshakes(test_id)) if hasattr(capture, "handshakes") else []


def _observe(env: ClientRunEnv, test_id: str, tracking_id: str,
             before: tuple[int, int]) -> tuple[list[dict], list[dict], tuple | None]:
    # A scenario's steps share its test id in the capture: this step's flows are the ones after `before`.
    flows, shakes = _captured(env.capture, test_id)
    upstream = env.canary.records(tracking_id) if env.canary is not None else None
    return flows[before[0]:], shakes[before[1]:], upstream


def _summary(program: catalogue.ClientProgram, cmd: SealedCommand, run: SealedRun, obs: Observed) -> str:
    lines = [f"client      {program.name} {catalogue.installed_version(program) or '?'} "
             f"(pinned {catalogue.pinned_version(program) or '?'})",
             f"command     {' '.join(cmd.argv[1:]) if program.kind == 'npm' else ' '.join(cmd.argv)}",
             "env         " + ", ".join(f"{k}={v}" for k, v in sorted(cmd.env.items()) if k != "PATH"),
             f"exit        {run.exit_code}{' (killed: timed out)' if run.timed_out else ''} after {run.seconds:.2f} s",
             f"sealed      interfaces {', '.join(run.interfaces) or '?'}; {run.connections} connection(s) relayed"
             + (f"; refused: {'; '.join(run.refused)}" if run.refused else ""),
             f"gateway     {len(obs.flows)} request(s) in the capture, {len(obs.handshakes)} CONNECT handshake(s)"]
    for f in obs.flows:
        req, resp = f.get("request", {}), f.get("response", {})
        lines.append(f"  {req.get('method')} {urlsplit(req.get('url', '')).path} -> {resp.get('status')}")
    if obs.upstream is not None:
        lines.append(f"provider    {len(obs.upstream)} request(s) reached the canary")
        lines += [f"  {u.method} {u.path}" for u in obs.upstream]
    if run.error:
        lines.append(f"sandbox     {run.error}")
    return "\n".join(lines)


def run_client_step(step: ClientStep, *, env: ClientRunEnv, context: dict, render, test_id: str,
                    tracking_id: str, record: Record, label: str = "client") -> list[MismatchDetail]:
    """Run the step's client sealed and check it; raises ClientUnavailable when it cannot run here."""
    program = catalogue.CLIENTS[step.client.name]
    prefix_argv = catalogue.command(program)
    if prefix_argv is None:
        raise ClientUnavailable(catalogue.missing_reason(program))
    problem = sealing_problem()
    if problem is not None:
        raise ClientUnavailable(f"not-supported: live clients are only run sealed, and here {problem}")
    _, not_local = _forwards(env.endpoints)
    if not_local:
        raise ClientUnavailable(not_local)
    folder = Path(tempfile.mkdtemp(prefix="aigw-client-"))     # mkdtemp: mode 0700
    try:
        home = folder / "home"
        home.mkdir(mode=0o700)
        ctx = {**context, "target": {**dict(context.get("target") or {}), **client_view(env, folder)},
               "tracking_id": tracking_id}
        spec = render(step.client.model_dump(exclude_unset=True), ctx)
        spec.setdefault("prompt", render(step.client.prompt, ctx))
        expect = render(step.expect.model_dump(exclude_unset=True, exclude_none=True), ctx)
        cmd = build_command(step, spec, program, prefix_argv, home, env)
        seen = _captured(env.capture, test_id)
        before = (len(seen[0]), len(seen[1]))
        if env.capture is not None:
            env.capture.expect_connection(test_id)     # untagged HTTP and every tunnel belong to this test
        started = time.time()
        try:
            run = run_sealed(cmd, folder=folder, policy=env.policy,
                             on_connect=(lambda port: env.capture.tag_port(port, test_id)) if env.capture else None)
        finally:
            if env.capture is not None:
                env.capture.expect_connection("")
        flows, shakes, upstream = _observe(env, test_id, tracking_id, before)
        obs = Observed(run=run, flows=flows, handshakes=shakes, upstream=upstream, capture_on=env.capture is not None)
        red = env.redactor.redact
        record(f"{label}: {program.name} run", red(_summary(program, cmd, run, obs)))
        record(f"{label}: {program.name} output", red(run.output[-MAX_OUTPUT_SHOWN:]) or "(no output)")
        _log_timing(env.run_dir, test_id, program, run, obs, started)
        if env.shapes_dir is not None:
            _write_shapes(env.shapes_dir, test_id, label, program, flows, env.prefix)
        details = check_client(obs, expect, red)
        for d in details:
            d.step = d.step or label
        return details
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _write_shapes(folder: Path, test_id: str, label: str, program, flows: list[dict], prefix: str) -> None:
    from .shapes import shape_of_har_entry
    folder.mkdir(parents=True, exist_ok=True)
    name = test_id.rpartition("::")[2] + ("" if label.startswith("step 1 ") else "." + label.split()[1])
    data = {"client": program.name, "package": program.package, "version": catalogue.installed_version(program),
            "requests": [shape_of_har_entry(e, prefix) for e in flows]}
    (folder / f"{name}.json").write_text(json.dumps(data, indent=1), encoding="utf-8")


def _log_timing(run_dir: Path | None, test_id: str, program, run: SealedRun, obs: Observed, started: float) -> None:
    if run_dir is None:
        return
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        line = {"test_id": test_id, "client": program.name, "version": catalogue.installed_version(program),
                "started": round(started, 3), "seconds": run.seconds, "exit_code": run.exit_code,
                "timed_out": run.timed_out, "interfaces": list(run.interfaces), "connections": run.connections,
                "refused": len(run.refused), "gateway_requests": len(obs.flows), "tunnels": len(obs.handshakes),
                "provider_requests": None if obs.upstream is None else len(obs.upstream)}
        with open(run_dir / "live-clients.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")
    except OSError:
        pass     # timing is a report nicety; the verdict does not depend on it


__all__ = ["ClientRunEnv", "ClientUnavailable", "run_client_step", "client_view"]
