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
A scenario that expects an acceptance of its own carries its control in its steps. A scenario
that expects only denials through the proxy (a 407 for missing or refused credentials) is judged
beside the proxy accepting the valid token too: a CONNECT to the provider's host with
``Proxy-Authorization: Basic coder:<token>`` must open the tunnel (200), or a proxy that refuses
every handshake passed those (``-k PROXY-407``). Only the handshake: the gateway behind the tunnel
authenticates what is sent through it, and the direct control stands for that.

A refused control is then asked about at the source: the same token on Coder's own API
(``GET /api/v2/users/me/keys/<id>``, the token in ``Coder-Session-Token``), once. If that refuses
it too, the token is no longer valid (it expired or was revoked outside the run): every scenario
using it is an error that says so, including one with a supplied (static) valid token that failed
(asked after its failure, runner/case.py), since the gateway broke no rule. If it accepts, the
gateway refuses a valid token, and the reason says that. Without a Coder API (another answer) it
says both are possible. Coder's API slides a key's expiry and marks it used (AUTH-LIFECYCLE-003):
only a token the gateway has just refused is asked about.
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field, replace
from typing import Literal

from aigw_conformance.checks.status import allowed
from aigw_conformance.errors import StaleInput, TargetError
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


def through_proxy(scenario: Scenario) -> bool:
    return any(isinstance(st, RequestStep) and st.request.via == "proxy" for st in scenario.steps)


def only_denials(scenario: Scenario) -> bool:
    """A faithful gateway denies one of the scenario's requests, and none of its request steps expects
    only 2xx answers: nothing in it shows the gateway accepting a token."""
    return expects_denial(scenario) and not any(
        isinstance(st, RequestStep) and st.expect.status is not None
        and all(200 <= s < 300 for s in allowed(st.expect.status)) for st in scenario.steps)


CoderSays = Literal["accepts", "refuses", "unknown"]


@dataclass(frozen=True)
class ControlResult:
    status: int | None
    request: str           # method and URL, for the evidence and the reason
    tracking_id: str
    first_scenario: str
    coder_says: CoderSays | None = None   # when the gateway refused it: Coder's own API on the token
    coder_answer: str = ""                # that answer, for the reason

    @property
    def stale(self) -> bool:
        return self.coder_says == "refuses"

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

    def require_proxy_handshake(self, ctx, state, valid: Token) -> None:
        """Raise TargetError unless the proxy opens a tunnel for the run's valid token `valid`."""
        self._require(ctx, state, valid, "the proxy's handshake with the run's valid token (this scenario "
                      "expects only denials through the proxy)",
                      "of the run in Proxy-Authorization, so this scenario's refusals show nothing: a proxy "
                      "refusing every handshake would pass it", via="proxy")

    def require_supplied_valid(self, ctx, state, name: str, token: Token) -> None:
        """Raise TargetError only when the supplied valid token `token` is refused by the gateway and by
        Coder's own API: it is stale input, not a gateway that breaks AUTH-HTTP-001."""
        self._require(ctx, state, token, f"the supplied valid token '{name}'",
                      "the target's token source supplies", only_stale=True)

    def _require(self, ctx, state, base: Token, what: str, so: str, *, only_stale: bool = False,
                 via: str = "direct") -> None:
        key = (base.value, via)
        with self._lock:
            result = self._results.get(key)
        fresh = result is None
        if fresh:
            result = _send_control(ctx, base) if via == "direct" else _send_proxy_control(ctx, base)
            with self._lock:
                result = self._results.setdefault(key, result)
        where = "" if fresh else f", asked for {result.first_scenario} earlier in the run"
        line = (f"control: {what}, on {result.request}: "
                f"{result.status or 'no answer'} (tracking id {result.tracking_id}{where})")
        if not result.held and result.coder_answer:
            line += f"; Coder's own API on the same token: {result.coder_answer}"
        state.add_evidence([line])
        if result.held or (only_stale and not result.stale):
            return
        if result.stale:
            raise StaleInput(_stale_reason(base, result))
        raise TargetError(f"{line}. The gateway did not accept the valid token {so}. {_why(result)}")


def _stale_reason(token: Token, result: ControlResult) -> str:
    """The same words in every scenario that needed the token: one cause, whatever role the token had
    in the scenario (that is in the scenario's evidence, with the control's request)."""
    return (f"stale input: the valid token {token.value.split('-', 1)[0]}… from the target's token source is "
            f"refused by the gateway ({result.request}: {result.status or 'no answer'} (tracking id "
            f"{result.tracking_id})) and by Coder's own API on the same token: {result.coder_answer}. It expired "
            "or was revoked outside the run: renew it in the target's token source (the gateway broke no rule "
            "here)")


def _why(result: ControlResult) -> str:
    if result.coder_says == "accepts":
        return ("Coder's own API accepts it: the gateway refuses a valid token (AUTH-HTTP-001, see the "
                "scenarios that send one)")
    return ("A static token may have expired or been revoked outside the run; otherwise the gateway refuses "
            "valid tokens (AUTH-HTTP-001, see the scenarios that send one)")


def _send_control(ctx, base: Token) -> ControlResult:
    provider = _control_provider(ctx.run)
    tracking_id = new_tracking_id()
    req = Request(endpoint=ctx.deployment, route=f"{provider}.models",
                  headers=(("Authorization", f"Bearer {base.value}"),))
    obs = _send(ctx, req, tracking_id, "control: a valid token")
    status = status_of(obs)
    result = ControlResult(status, _request_line(ctx.run, obs), tracking_id, ctx.test_id)
    if result.held:
        return result
    says, answer = _ask_coder_api(ctx, base)
    return replace(result, coder_says=says, coder_answer=answer)


def _send_proxy_control(ctx, base: Token) -> ControlResult:
    provider = _control_provider(ctx.run)
    basic = base64.b64encode(f"coder:{base.value}".encode()).decode()
    req = Request(via="proxy", route=f"{provider}.models", method="CONNECT", proxy_auth=f"Basic {basic}")
    tracking_id = new_tracking_id()
    obs = _send(ctx, req, tracking_id, "control: the proxy's handshake with a valid token")
    return ControlResult(status_of(obs), f"CONNECT {obs.request.url.split('/')[2]}", tracking_id, ctx.test_id)


def _ask_coder_api(ctx, token: Token) -> tuple[CoderSays, str]:
    """What Coder's own API says of `token` (httpmw.ExtractAPIKey): the key's own metadata route."""
    key_id = token.value.split("-", 1)[0]
    path = f"/api/v2/users/me/keys/{key_id}"
    req = Request(endpoint=ctx.deployment, raw_path=path, method="GET",
                  headers=(("Coder-Session-Token", token.value), ("Accept", "application/json")))
    obs = _send(ctx, req, new_tracking_id(), "control: the same token on Coder's API")
    status = status_of(obs)
    message = ""
    if obs.response is not None:
        try:
            message = str(json.loads(obs.response.body).get("message", ""))[:120]
        except (ValueError, AttributeError):
            message = ""
    answer = f"GET {path}: {status or 'no answer'}" + (f" {message!r}" if message else "")
    answer = ctx.run.redactor.redact(answer)
    if status == 200:
        return "accepts", answer
    if status == 401 and message:   # Coder's JSON error: the API is there and refuses the key
        return "refuses", answer
    return "unknown", answer


def _control_provider(run) -> str:
    provider = next((p for p in CONTROL_PROVIDERS if p in run.target.providers), None)
    if provider is None:
        raise TargetError("no route for a positive control (a valid token accepted): the target serves "
                          "neither the openai nor the anthropic provider", target=run.target.name)
    return provider


def _send(ctx, req: Request, tracking_id: str, what: str):
    run = ctx.run
    base_url = run.endpoints.get(req.endpoint)
    if base_url is None:
        raise TargetError(f"the target has no endpoint {req.endpoint!r}", target=run.target.name)
    wire = build_wire(req, routes=run.inputs.routes, target=run.target, base_url=base_url,
                      tracking_id=tracking_id, test_id=ctx.test_id, timeout=run.timeout)
    obs = exchange(run, wire, "proxy" if req.via == "proxy" else req.endpoint, upstream=False).observation
    shown_req, shown_resp = show_exchange(obs, run.redactor.redact, run.shown_url)
    ctx.attach(f"{what}: request", shown_req)
    ctx.attach(f"{what}: response", shown_resp)
    return obs


def _request_line(run, obs) -> str:
    return f"{obs.request.method} {run.shown_url(obs.request.url).split('?', 1)[0]}"


__all__ = ["Controls", "ControlResult", "needs_control", "only_denials", "through_proxy"]
