"""`kind: reference`: the embedded reference gateway, started in its own process on free loopback
ports (architecture Seam 1), described by its state file.

The state file holds the operator token and provider keys: it stays in a private temporary folder,
out of the report; only the reference's log is copied to the run folder, redacted, at the end.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any, Mapping

from aigw_common.redaction import Redactor, mask_token_shapes
from aigw_conformance.features import FEATURES
from aigw_conformance.runner.tunnel_echo import start_tunnel_echo

from . import reference_shared
from .kind import StartContext, StartedTarget, TargetKind
from .model import Target, TokenSourceSpec
from .reference_process import PendingReference, register_state_secrets, spawn_reference
from .tunnels import with_tunnel_echo

#: What the reference claims when a run names no profile: every profile it plays in full.
CLAIMS = ("core", "lifecycle", "credential-modes", "proxy", "clients", "fuzz")


def target_from_state(state: Mapping[str, Any], name: str = "reference", *,
                      redactor: Redactor | None = None) -> Target:
    """The embedded reference, from its state file (docs/architecture.md, Seam 1)."""
    if redactor is not None:
        register_state_secrets(state, redactor)
    op = state.get("operator") or {}
    central = dict(state.get("central_keys") or {})
    static = {k: v for k, v in dict(state.get("static_tokens") or {}).items() if v}
    endpoints = dict(state.get("endpoints") or {})
    source = TokenSourceSpec(kind="coder-api", operator_token=op.get("token"), user="me", static=static)
    features = {"token-api", "user-admin", "mode:centralized", "mode:byok", "provider:openai", "provider:anthropic",
                "provider:copilot", "prefix:canonical", "prefix:legacy", "embedded", "store-failures"}
    features |= {f"endpoint:{e}" for e in endpoints}
    if state.get("proxy_url"):
        features |= {"proxy", "tunnel-echo"}
    if state.get("ca_cert_pem"):
        features |= {"proxy-ca", "proxy-ca-endpoint"}
    if state.get("canary_url"):
        features.add("canary")
    if central:
        features.add("central-keys")
    era = state.get("era") or "newest"
    if era == "model-authz":
        features |= {"model-admin", "ai-provider-admin"}
    claims = CLAIMS + (("model-access",) if era == "model-authz" else ())
    return Target(name=name, kind="reference", base_url=str(state["base_url"]).rstrip("/"),
                  era=era, profiles=claims, endpoints=endpoints,
                  proxy_url=state.get("proxy_url"), proxy_ca=state.get("ca_cert_pem"),
                  canary_url=state.get("canary_url"), central_keys=central,
                  features=frozenset(f for f in features if f in FEATURES), token_source=source)


@dataclasses.dataclass(frozen=True)
class _Early:
    key: tuple
    work: Path
    echo: object            # the tunnel echo: up before the reference, whose proxy admits its port
    pending: PendingReference
    shared: bool = False    # published for the xdist workers (reference_shared)

    def discard(self, run_dir: Path | None = None) -> None:
        try:
            self.pending.stop()
            self.echo.stop()
        finally:
            if self.shared and run_dir is not None and run_dir.is_dir():
                _keep_log(self.work, run_dir, _shared_log_redaction(self.pending.state_file))
            shutil.rmtree(self.work, ignore_errors=True)


def _shared_log_redaction(state_file: Path):
    """This process never learnt the workers' tokens: the state's secrets by value, and anything
    shaped like a token by its shape (the stateless second line of aigw_common.redaction)."""
    redactor = Redactor()
    try:
        register_state_secrets(json.loads(state_file.read_text()), redactor)
    except (OSError, ValueError):
        pass
    return lambda text: mask_token_shapes(redactor.redact(text))


_early: list[_Early] = []     # at most one: spawned by `aigw-conformance run` before pytest starts
_early_lock = threading.Lock()


def _spawn(era: str, faults) -> tuple[Path, object, PendingReference]:
    work = Path(tempfile.mkdtemp(prefix="aigw-ref-"))
    # The tunnel destination must be up before the reference starts: its proxy's port gate
    # (AUTH-PROXY-002) admits only the ports it was given, 80/443 plus this one.
    echo = None
    try:
        echo = start_tunnel_echo()
        return work, echo, spawn_reference(work, era=era, faults=list(faults), proxy_allowed_ports=[echo.port])
    except BaseException:
        if echo is not None:
            echo.stop()
        shutil.rmtree(work, ignore_errors=True)
        raise


def spawn_early(era: str, faults=(), *, share: bool = False) -> None:
    """Start the reference's process now, for the `start` of this process to take over: it boots
    (about a second, most of it imports, in a process of its own) while pytest starts, configures
    and collects. With `share`, this process's xdist workers take it instead (reference_shared).
    One not taken over, and a shared one, are ended by `discard_early`, which `run` calls when
    pytest returns."""
    with _early_lock:
        if not _early:
            key = (era, tuple(faults))
            work, echo, pending = _spawn(era, faults)
            _early.append(_Early(key, work, echo, pending, shared=share))
            if share:
                reference_shared.publish(key, work, echo, pending)


def discard_early(run_dir: Path | None = None) -> None:
    """End what `spawn_early` started; a shared reference's log is kept in `run_dir`, redacted."""
    with _early_lock:
        reference_shared.unpublish()
        while _early:
            _early.pop().discard(run_dir)


def _take_early(key: tuple) -> tuple[Path, object, PendingReference] | None:
    with _early_lock:
        early = _early.pop() if _early and not _early[-1].shared else None
    if early is None:
        return None
    if early.key != key:   # spawned for other options: not this run's reference
        early.discard()
        return None
    return early.work, early.echo, early.pending


def start(declared: Target, ctx: StartContext) -> StartedTarget:
    era, faults = ctx.era or declared.era or "newest", tuple(ctx.faults)
    shared = reference_shared.take((era, faults), ctx.redactor)
    if shared is not None:   # the run's own: started, and ended, by the run command
        return _started(declared, ctx, shared.state, shared.echo)
    work, echo, pending = _take_early((era, faults)) or _spawn(era, faults)
    ctx.stack.callback(_keep_log, work, ctx.run_dir, ctx.redactor.redact)
    try:
        ref = pending.wait(ctx.redactor)
    except BaseException:
        echo.stop()
        raise
    ctx.stack.callback(ref.stop)
    return _started(declared, ctx, ref.state, echo)


def _started(declared: Target, ctx: StartContext, state: dict, echo) -> StartedTarget:
    target = target_from_state(state, declared.name, redactor=ctx.redactor)
    if declared.profiles:   # targets.yaml may claim other profiles (opt into gating on live-clients, load)
        target = dataclasses.replace(target, profiles=tuple(declared.profiles))
    return with_tunnel_echo(target, ctx, echo) if target.proxy_url else _no_proxy(target, echo, ctx)


def _no_proxy(target: Target, echo, ctx: StartContext) -> StartedTarget:
    echo.stop()
    return StartedTarget(target)


def _keep_log(work: Path, run_dir: Path, redact) -> None:
    try:
        log = work / "reference.log"
        if log.exists():
            run_dir.mkdir(parents=True, exist_ok=True)
            text = log.read_text(encoding="utf-8", errors="replace")
            (run_dir / f"reference-{os.getpid()}.log").write_text(redact(text), encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)


KIND = TargetKind(name="reference", needs_base_url=False, start=start, claims=CLAIMS)
