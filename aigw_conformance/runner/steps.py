"""One runner function per step kind, registered by the step's model type (`STEP_RUNNERS`).

A step runner gets the case context, the case state, the typed step and its label ("step 2
request"); it raises Mismatch when the gateway's answer breaks an expectation, TransportError when
there was no answer, and otherwise updates the state (tokens minted, values saved, evidence).
"""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any, Callable

from aigw_conformance.checks import CheckContext, run_checks
from aigw_conformance.errors import MismatchDetail, ScenarioError, TargetError
from aigw_conformance.observation import Observation
from aigw_conformance.scenario.model import ActionStep, ClientStep, FuzzStep, RequestStep, SaveSpec
from aigw_conformance.scenario.templating import render_model
from aigw_conformance.tokens.mint_path import UnnamedMint

from .canary import new_tracking_id
from .case import CaseContext, CaseState, mismatch, template_context
from .evidence import show_exchange
from .leaks import Denied
from .transport import DENIAL_STATUSES, exchange, status_of
from .wire import build_wire

def run_request(ctx: CaseContext, state: CaseState, step: RequestStep, label: str) -> None:
    run = ctx.run
    tracking_id = new_tracking_id()
    tctx = template_context(ctx, state, tracking_id)
    req = render_model(step.request, tctx)
    expect = render_model(step.expect, tctx)
    base = run.endpoints.get(req.endpoint)
    if base is None:
        raise TargetError(f"the target has no endpoint {req.endpoint!r}", target=run.target.name)
    wire = build_wire(req, routes=run.inputs.routes, target=run.target, base_url=base, tracking_id=tracking_id,
                      test_id=ctx.test_id, timeout=run.timeout)
    try:
        run.mint_path.check_name(wire.method, wire.url.split("?", 1)[0], wire.body)
    except UnnamedMint as exc:
        raise ScenarioError(str(exc), file=step.file, line=step.line, field="request.body") from None
    endpoint = "proxy" if req.via == "proxy" else req.endpoint
    result = exchange(run, wire, endpoint, upstream=expect.upstream is not None)
    obs = result.observation
    if run.canary is not None and obs.upstream == () and _expects_records(expect):
        # the gateway may still be writing to the provider (a stream): wait for it, bounded
        obs = dataclasses.replace(obs, upstream=run.canary.records_until(tracking_id))
    if run.capture is not None:
        state.add_evidence(run.capture.evidence(ctx.test_id))
    shown_req, shown_resp = show_exchange(obs, run.redactor.redact, run.shown_url)
    ctx.attach(f"{label}: request", shown_req)
    ctx.attach(f"{label}: response", shown_resp)
    for note in result.notes:
        state.add_evidence([f"{label}: {run.redactor.redact(note)}"])
        ctx.attach(f"{label}: transport", run.redactor.redact(note))
    details = run_checks(obs, expect, CheckContext(run.redactor.redact), step=label)
    reached = expect.upstream.reached if expect.upstream is not None else None
    leak = denial_leak(obs, reached)
    if leak is not None:
        leak.step = label
        details.append(leak)
    status = status_of(obs)
    if run.canary is not None and status in DENIAL_STATUSES and reached is not True:
        run.leaks.add(Denied(ctx.case.test_id, tracking_id, status, label))   # checked again at the end
    if details:
        raise mismatch(ctx, state, details)
    state.saved.update(saved_values(obs, step.save))


def _expects_records(expect) -> bool:
    up = expect.upstream
    return up is not None and (up.reached is True or up.path is not None or up.headers is not None)


def denial_leak(obs: Observation, expected_reached: bool | None) -> MismatchDetail | None:
    """DESIGN lesson: a denied request must never reach the provider, whatever the status said."""
    if obs.upstream is None or expected_reached is True:
        return None
    status = status_of(obs)
    if status in DENIAL_STATUSES and obs.upstream:
        return MismatchDetail("upstream reached", f"a request answered {status} never to reach the provider",
                              f"{len(obs.upstream)} request(s) reached it ({obs.upstream[0].path})")
    return None


def saved_values(obs: Observation, save: dict[str, SaveSpec]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, spec in save.items():
        if obs.response is None:
            raise TargetError(f"cannot save {name!r}: no HTTP response")
        if spec.header is not None:
            out[name] = obs.response.header(spec.header)
            continue
        try:
            value: Any = json.loads(obs.response.body)
            for part in str(spec.json_).split("."):
                value = value[int(part)] if isinstance(value, list) else value[part]
        except (ValueError, KeyError, IndexError, TypeError):
            raise TargetError(f"cannot save {name!r}: the response body has no JSON at {spec.json_!r}") from None
        out[name] = value
    return out


def run_action(ctx: CaseContext, state: CaseState, step: ActionStep, label: str) -> None:
    broker = ctx.run.broker_for(ctx.deployment)
    if step.action == "sleep":
        time.sleep(float(step.seconds or 0))
    elif step.action == "revoke":
        broker.revoke(state.tokens[step.token or "token"], how=step.how)
    elif step.action == "mint":
        name = step.as_ or "token"
        tok = broker.mint(f"{ctx.test_id}:{name}", kind=step.kind)
        ctx.run.redactor.add_token(tok.value)
        state.tokens[name] = tok


FUZZ_FLOWS_LISTED = 5


def run_fuzz(ctx: CaseContext, state: CaseState, step: FuzzStep, label: str) -> None:
    from .fuzz_step import run_fuzz_step

    details = run_fuzz_step(ctx, step, label)
    if ctx.run.capture is not None:   # hundreds of flows: the first few point the way, the files hold all
        found = ctx.run.capture.evidence(ctx.test_id)
        flows = [e for e in found if e.startswith("flow:")]
        state.add_evidence(flows[:FUZZ_FLOWS_LISTED] + [e for e in found if not e.startswith("flow:")])
    if details:
        raise mismatch(ctx, state, details)


StepRunner = Callable[[CaseContext, CaseState, Any, str], None]

def run_client(ctx: CaseContext, state: CaseState, step: ClientStep, label: str) -> None:
    from aigw_conformance.clients.case_hook import run_client as run_program

    run_program(ctx, state, step, label)


STEP_RUNNERS: dict[type, StepRunner] = {
    RequestStep: run_request,
    ActionStep: run_action,
    FuzzStep: run_fuzz,
    ClientStep: run_client,
}

__all__ = ["STEP_RUNNERS", "run_request", "run_action", "run_fuzz", "denial_leak", "saved_values"]
