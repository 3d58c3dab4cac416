"""Runs one expanded scenario (a Case) against the started run, step by step.

    run_case(ctx) -> None         raises Mismatch (failed), TargetError/TransportError (error),
                                  or NotRunnable (skipped / not-supported, with the reason)

The per-case state (tokens, saved values, evidence) lives in a small `CaseState` made here and
dropped at the end; everything shared comes from the frozen `Run`. Each step is dispatched once, by
its model type, through `steps.STEP_RUNNERS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from aigw_conformance.eras import describe, runs_in
from aigw_conformance.errors import CircuitOpen, Mismatch, MismatchDetail, TransportError
from aigw_conformance.run.record import Run
from aigw_conformance.scenario.expand import Case
from aigw_conformance.scenario.model import RequestStep
from aigw_conformance.tokens.kinds import MALFORMED_PREFIX
from aigw_conformance.tokens.naming import run_prefix
from aigw_conformance.tokens.pool import shareable_kind
from aigw_conformance.tokens.token import Token

from .controls import needs_control, only_denials, through_proxy

Attach = Callable[[str, str], None]   # (name, already-redacted text) → the report


class NotRunnable(Exception):
    """The target cannot serve this case; `reason` starts with "not-supported:" or "skipped:"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CaseContext:
    run: Run
    case: Case
    test_id: str
    attach: Attach

    @property
    def deployment(self) -> str:
        """Whose tokens the case uses: the endpoint its requests go to, when that is its own deployment."""
        for step in self.case.scenario.steps:
            if isinstance(step, RequestStep) and step.request.endpoint in self.run.target.endpoint_tokens:
                return step.request.endpoint
        return "default"


@dataclass
class CaseState:
    tokens: dict[str, Any] = field(default_factory=dict)
    saved: dict[str, Any] = field(default_factory=dict)
    evidence: list[str] = field(default_factory=list)

    def add_evidence(self, items) -> None:
        self.evidence += [e for e in items if e not in self.evidence]


def skip_reason(run: Run, case: Case, deployment: str = "default") -> str | None:
    """Why the target cannot serve this case ("not-supported: …" / "skipped: …"), or None."""
    scn = case.scenario
    missing = run.target.missing(scn.requires)
    if missing:
        return f"not-supported: target lacks {', '.join(missing)}"
    era = run.target.era
    if not runs_in(scn.era, era):
        return f"skipped: scenario is for the {describe(scn.era)} era, target is {era}"
    broker = run.broker_for(deployment)
    for name, spec in scn.tokens.items():
        if spec.kind == "none" or spec.kind.startswith(MALFORMED_PREFIX):
            continue  # served from the catalogue, whatever the token source
        ok = broker.supports(spec.kind)
        if ok is not True:
            return f"not-supported: token kind {spec.kind!r}: {ok or 'not available from this token source'}"
    if only_denials(scn):
        ok = broker.supports("valid")
        if ok is not True:
            return ("not-supported: the scenario expects only denials, which show something only beside a valid "
                    f"token the gateway accepts (a positive control): {ok or 'none from this token source'}")
    return None


def template_context(ctx: CaseContext, state: CaseState, tracking_id: str) -> dict[str, Any]:
    from aigw_conformance.scenario.templating import render

    out = {"token": state.tokens.get("token", ""), "tokens": state.tokens, "variant": {},
           "saved": state.saved, "target": ctx.run.template_view(), "tracking_id": tracking_id,
           "run": {"id": ctx.run.options.run_id, "prefix": run_prefix(ctx.run.options.run_id)}}
    # variant values may themselves be templates ("Basic {{ b64('coder:' ~ token) }}")
    out["variant"] = render(dict(ctx.case.variant or {}), out)
    return out


def reads_tokens_only(case: Case) -> bool:
    """The scenario cannot change its tokens' state: no action, no token or user REST call, no
    per-token rate limit, no fuzz engine, no real client (tokens/pool.py)."""
    for step in case.scenario.steps:
        if not isinstance(step, RequestStep):
            return False
        req = step.request
        path = req.raw_path or ""
        if req.endpoint == "rate-limited" or path.startswith("/api/") and not path.startswith(
                ("/api/v2/ai-gateway/", "/api/v2/aibridge/")):
            return False
    return True


def _acquire_tokens(ctx: CaseContext, state: CaseState) -> None:
    broker = ctx.run.broker_for(ctx.deployment)
    shared = reads_tokens_only(ctx.case)

    def obtain(kind: str, user: str | None, label: str) -> Token:
        tok = broker.get(kind, user=user, label=label)
        ctx.run.redactor.add_token(tok.value)
        return tok

    for name, spec in ctx.case.scenario.tokens.items():
        if spec.kind == "none":
            state.tokens[name] = ""
        elif spec.kind.startswith(MALFORMED_PREFIX):
            state.tokens[name] = ctx.run.inputs.malformed.get(spec.kind[len(MALFORMED_PREFIX):])
        else:
            def make(kind=spec.kind, user=spec.user, label=f"{ctx.test_id}:{name}"):
                return obtain(kind, user, label)
            key = (ctx.deployment, spec.kind, spec.user, name)   # distinct names stay distinct tokens
            state.tokens[name] = ctx.run.token_pool.get(key, make) if shared and shareable_kind(spec.kind) else make()
    derived = [(name, tok) for name, tok in state.tokens.items() if isinstance(tok, Token) and needs_control(tok)]
    for name, tok in derived:
        ctx.run.controls.require_accepted(ctx, state, name, tok)
    if derived:
        return
    if only_denials(ctx.case.scenario):
        valid = ctx.run.token_pool.get((ctx.deployment, "valid", None, "control"),
                                       lambda: obtain("valid", None, f"control:{ctx.deployment}"))
        ctx.run.controls.require_run_token(ctx, state, valid)
        if through_proxy(ctx.case.scenario):
            ctx.run.controls.require_proxy_handshake(ctx, state, valid)


def _stale_input(ctx: CaseContext, state: CaseState) -> None:
    """Raise TargetError when a supplied valid token of the case is refused by the gateway and by
    Coder's own API: its failure is stale input, not the gateway's. Asked only after a failure, so a
    passing run sends nothing more than its scenarios' requests."""
    for name, tok in state.tokens.items():
        if isinstance(tok, Token) and tok.kind == "valid" and tok.supplied:
            ctx.run.controls.require_supplied_valid(ctx, state, name, tok)


def _endpoints_needed(ctx: CaseContext) -> list[str]:
    needed = {("proxy" if st.request.via == "proxy" else st.request.endpoint)
              for st in ctx.case.scenario.steps if isinstance(st, RequestStep)}
    mints = ctx.run.target.has("token-api") and any(
        spec.kind != "none" and not spec.kind.startswith(MALFORMED_PREFIX)
        for spec in ctx.case.scenario.tokens.values())
    if mints:
        needed.add(ctx.deployment)
    return sorted(needed)


def mismatch(ctx: CaseContext, state: CaseState, details: list[MismatchDetail]) -> Mismatch:
    return Mismatch(ctx.case.test_id, list(ctx.case.scenario.requirement), details,
                    evidence=", ".join(state.evidence) or None)


def run_case(ctx: CaseContext, state: CaseState) -> None:
    from .steps import STEP_RUNNERS

    reason = skip_reason(ctx.run, ctx.case, ctx.deployment)
    if reason:
        raise NotRunnable(reason)
    # An endpoint that already failed several scenarios in a row ends this one before any request
    # (the token API counts as the deployment's own endpoint when tokens are minted).
    for endpoint in _endpoints_needed(ctx):
        open_reason = ctx.run.breaker.open_reason(endpoint)
        if open_reason is not None:
            raise CircuitOpen(open_reason, endpoint=endpoint)
    try:
        _acquire_tokens(ctx, state)
    except TransportError as exc:
        ctx.run.breaker.failed(ctx.deployment, exc.cause)
        raise
    try:
        for index, step in enumerate(ctx.case.scenario.steps, start=1):
            STEP_RUNNERS[type(step)](ctx, state, step, f"step {index} {step.step_key}")
    except Mismatch:
        _stale_input(ctx, state)
        raise


__all__ = ["CaseContext", "CaseState", "NotRunnable", "run_case", "skip_reason", "template_context", "mismatch"]
