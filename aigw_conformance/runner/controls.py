"""Positive controls: a refusal proves something only if the gateway accepts the real token.

A scenario that sends a token derived from a valid one (a near miss, a wrong secret: `Token.base`)
and sees it refused has shown that the gateway tells the two apart only if the gateway accepts the
valid one. Likewise a scenario that only expects denials (an expired token, a token in the wrong
header, no token): a gateway that refuses every request, or a run whose static "valid" token had
expired outside it, passed those with nothing shown, and a subset run of them (``-k NEAR-MISS``,
``-k VAL-``) was green.

So before such a scenario's steps a valid token is sent once on the provider's models route, in the
canonical carrier (``Authorization: Bearer``): the base of a derived token, or else, for a scenario
none of whose requests expects an acceptance, the run's own valid token (shared, never one of the
scenario's tokens, whose state the scenario owns). Any 2xx is the control holding; anything else
makes the scenario an error (no verdict from it), with the answer in its reason. The answer is kept
per token for the run: shared tokens (tokens/pool.py) are never revoked or changed, so the second
scenario using one learns nothing new from asking again; its evidence names the control's request.
A scenario that expects an acceptance of its own carries its control in its steps.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from aigw_conformance.checks.status import allowed
from aigw_conformance.errors import TargetError
from aigw_conformance.scenario.model import Request, RequestStep, Scenario
from aigw_conformance.schedule import expects_denial
from aigw_conformance.tokens.kinds import NEAR_MISS_PREFIX
from aigw_conformance.tokens.token import Token

from .canary import new_tracking_id
from .evidence import show_exchange
from .transport import exchange, status_of
from .wire import build_wire

CONTROL_PROVIDERS = ("openai", "anthropic")   # each has a `<provider>.models` route (scenario/routes.py)


def needs_control(token: Token) -> bool:
    return token.base is not None and (token.kind == "wrong-secret" or token.kind.startswith(NEAR_MISS_PREFIX))


def only_denials(scenario: Scenario) -> bool:
    """A faithful gateway denies one of the scenario's requests, and none of its request steps expects
    only 2xx answers: nothing in it shows the gateway accepting a token."""
    return expects_denial(scenario) and not any(
        isinstance(st, RequestStep) and st.expect.status is not None
        and all(200 <= s < 300 for s in allowed(st.expect.status)) for st in scenario.steps)


@dataclass(frozen=True)
class ControlResult:
    status: int | None
    request: str           # method and URL, for the evidence and the reason
    tracking_id: str
    first_scenario: str

    @property
    def held(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Controls:
    """The run's controls, by base token value. Thread-safe; one request per base token."""

    _results: dict[str, ControlResult] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def require_accepted(self, ctx, state, name: str, token: Token) -> None:
        """Raise TargetError unless the gateway accepts the token `token` was derived from."""
        self._require(ctx, state, token.base,
                      f"the valid token that '{name}' ({token.kind}) is made from",
                      f"this scenario's '{name}' was derived from, so its refusing the derived one shows nothing")

    def require_run_token(self, ctx, state, valid: Token) -> None:
        """Raise TargetError unless the gateway accepts the run's valid token `valid`."""
        self._require(ctx, state, valid, "the run's valid token (this scenario expects only denials)",
                      "of the run, so this scenario's denials show nothing: a gateway refusing every "
                      "token would pass it")

    def _require(self, ctx, state, base: Token, what: str, so: str) -> None:
        with self._lock:
            result = self._results.get(base.value)
        fresh = result is None
        if fresh:
            result = _send_control(ctx, base)
            with self._lock:
                result = self._results.setdefault(base.value, result)
        where = "" if fresh else f", asked for {result.first_scenario} earlier in the run"
        line = (f"control: {what}, on {result.request}: "
                f"{result.status or 'no answer'} (tracking id {result.tracking_id}{where})")
        state.add_evidence([line])
        if not result.held:
            raise TargetError(
                f"{line}. The gateway did not accept the valid token {so}. A static token may have expired or "
                "been revoked outside the run; otherwise the gateway refuses valid tokens (AUTH-HTTP-001, "
                "see the scenarios that send one)")


def _send_control(ctx, base: Token) -> ControlResult:
    run = ctx.run
    provider = next((p for p in CONTROL_PROVIDERS if p in run.target.providers), None)
    if provider is None:
        raise TargetError("no route for a positive control (a valid token accepted): the target serves "
                          "neither the openai nor the anthropic provider", target=run.target.name)
    endpoint = ctx.deployment
    base_url = run.endpoints.get(endpoint)
    if base_url is None:
        raise TargetError(f"the target has no endpoint {endpoint!r}", target=run.target.name)
    tracking_id = new_tracking_id()
    req = Request(endpoint=endpoint, route=f"{provider}.models", headers=(("Authorization", f"Bearer {base.value}"),))
    wire = build_wire(req, routes=run.inputs.routes, target=run.target, base_url=base_url,
                      tracking_id=tracking_id, test_id=ctx.test_id, timeout=run.timeout)
    obs = exchange(run, wire, endpoint, upstream=False).observation
    shown_req, shown_resp = show_exchange(obs, run.redactor.redact)
    ctx.attach("control: a valid token: request", shown_req)
    ctx.attach("control: a valid token: response", shown_resp)
    return ControlResult(status_of(obs), f"{wire.method} {wire.url.split('?', 1)[0]}", tracking_id, ctx.test_id)


__all__ = ["Controls", "ControlResult", "needs_control", "only_denials"]
