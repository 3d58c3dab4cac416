"""Runs one expanded scenario (a Case) against the started target, step by step.

Each request step is rendered (templating), sent through the step's runner with at most
TRANSPORT_RETRIES extra attempts on transport errors (never on a status), observed at the canary
by tracking id, and checked. A denial (DENIAL_STATUSES) that nevertheless reached the provider
fails the scenario whatever the status said. The first failing step raises Mismatch naming the
requirements, the expected and the observed values and the evidence pointer.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from typing import Any, Callable

from aigw_conformance.checks import run_checks
from aigw_conformance.errors import Mismatch, MismatchDetail, ScenarioError, TargetError
from aigw_conformance.observation import Observation
from aigw_conformance.redact import REDACTOR, redact

from .build import build_request
from .canary import new_tracking_id

TRANSPORT_RETRIES = 2
DENIAL_STATUSES = frozenset({400, 401, 403, 407, 429})
MAX_SLEEP = 5.0

Record = Callable[[str, str], None]


def dump(model: Any) -> Any:
    """A model in the YAML's own spelling (aliases, only what the file set)."""
    if hasattr(model, "model_dump"):
        return model.model_dump(by_alias=True, exclude_unset=True)
    return model


def step_kind(step: dict) -> str:
    for kind in ("request", "action", "fuzz"):
        if kind in step:
            return kind
    raise ScenarioError(f"a step needs request, action or fuzz (got {sorted(step)})", field="steps")


def send(rc, wire) -> Observation:
    runner = rc.runners.get(wire.via)
    if runner is None:
        raise TargetError(f"the target has no {wire.via} runner (no proxy_url?)", target=rc.options.target)
    last: TargetError | None = None
    for attempt in range(TRANSPORT_RETRIES + 1):
        if wire.via == "proxy" and rc.capture is not None and hasattr(rc.capture, "tag_next_connection"):
            rc.capture.tag_next_connection(wire.test_id)   # raw TCP: no header can carry the test id
        try:
            obs = runner.send(wire)
            break
        except TargetError as exc:
            last = exc
            time.sleep(0.1 * (attempt + 1))
    else:
        raise TargetError(f"no answer after {TRANSPORT_RETRIES + 1} attempts: {last}") from last
    register_minted(obs)
    if rc.canary is not None:
        obs = dataclasses.replace(obs, upstream=rc.canary.records(wire.tracking_id))
    return obs


_MINTED = re.compile(r'"key"\s*:\s*"([0-9A-Za-z]{10}-[0-9A-Za-z]{22})"')


def register_minted(obs: Observation) -> None:
    """A scenario that mints through the token REST API gets `{"key": "<id>-<secret>"}` back: that token
    is as secret as the broker's, so it is registered before anything records the response."""
    if obs.response is not None and b'"key"' in obs.response.body:
        for token in _MINTED.findall(obs.response.body.decode("utf-8", "replace")):
            REDACTOR.add_token(token)


def denial_leak(obs: Observation, expect: dict) -> MismatchDetail | None:
    """DESIGN lesson: a denied request must never reach the provider, whatever the status said."""
    if obs.upstream is None or (expect.get("upstream") or {}).get("reached") is True:
        return None
    status = obs.response.status if obs.response is not None else (obs.handshake.status if obs.handshake else None)
    if status in DENIAL_STATUSES and obs.upstream:
        return MismatchDetail("upstream reached", f"a request answered {status} never to reach the provider",
                              f"{len(obs.upstream)} request(s) reached it ({obs.upstream[0].path})")
    return None


def saved_values(obs: Observation, save: dict) -> dict:
    out = {}
    for name, spec in (save or {}).items():
        if obs.response is None:
            raise TargetError(f"cannot save {name!r}: no HTTP response")
        if "header" in spec:
            out[name] = obs.response.header(spec["header"])
        else:
            try:
                value: Any = json.loads(obs.response.body)
                for part in str(spec["json"]).split("."):
                    value = value[int(part)] if isinstance(value, list) else value[part]
            except (ValueError, KeyError, IndexError, TypeError):
                raise TargetError(f"cannot save {name!r}: response body has no JSON at {spec['json']!r}") from None
            out[name] = value
    return out


def _show(obs: Observation) -> tuple[str, str]:
    req = obs.request
    lines = [f"{req.method} {req.url} (via {req.via})"]
    if req.proxy_authorization is not None:
        lines.append(f"Proxy-Authorization: {req.proxy_authorization}")
    lines += [f"{k}: {v}" for k, v in req.headers]
    # [protocol] bounded like the response below: a 32 MiB body-limit probe must not be redacted whole
    more = f"\n… ({len(req.body) - 65536} more bytes)" if len(req.body) > 65536 else ""
    request_text = "\n".join(lines) + "\n\n" + req.body[:65536].decode("utf-8", "replace") + more
    parts = []
    if obs.handshake is not None:
        parts.append("CONNECT answer:\n" + obs.handshake.raw_response.decode("latin-1"))
    if obs.response is not None:
        r = obs.response
        parts.append(f"{r.http_version} {r.status} {r.reason}\n" + "\n".join(f"{k}: {v}" for k, v in r.headers)
                     + "\n\n" + r.body[:65536].decode("utf-8", "replace"))
    if obs.upstream is not None:
        parts.append(f"canary: {len(obs.upstream)} upstream request(s)" +
                     "".join(f"\n  {u.method} {u.path}" for u in obs.upstream))
    return redact(request_text), redact("\n\n".join(parts))


class CaseRun:
    """State of one running case: tokens, saved values, evidence."""

    def __init__(self, rc, case, test_id: str, tokens: dict, record: Record, render) -> None:
        self.rc, self.case, self.test_id = rc, case, test_id
        self.tokens = tokens
        self.saved: dict = {}
        self.record = record
        self.render = render
        self.evidence: list[str] = []

    def context(self, tracking_id: str) -> dict:
        ctx = {"token": self.tokens.get("token", ""), "tokens": self.tokens, "variant": {},
               "saved": self.saved, "target": self.rc.target_view(), "tracking_id": tracking_id}
        # variant values may themselves be templates ("Basic {{ b64('coder:' ~ token) }}")
        ctx["variant"] = self.render(dict(getattr(self.case, "variant", None) or {}), ctx)
        return ctx

    def run(self, steps: list) -> None:
        for index, step_model in enumerate(steps, start=1):
            step = dump(step_model)
            kind = step_kind(step)
            label = f"step {index} {kind}"
            if kind == "request":
                self.request_step(step, label)
            elif kind == "action":
                self.action_step(step)
            else:
                self.fuzz_step(step_model, label)

    def request_step(self, step: dict, label: str) -> None:
        tracking_id = new_tracking_id()
        ctx = self.context(tracking_id)
        req = self.render(step["request"], ctx)
        expect = self.render(step.get("expect") or {}, ctx)
        endpoint = req.get("endpoint") or "default"
        base = self.rc.endpoints.get(endpoint)
        if base is None:
            raise TargetError(f"the target has no endpoint {endpoint!r}", target=self.rc.options.target)
        wire = build_request(req, target=self.rc.target, base_url=base, tracking_id=tracking_id,
                             test_id=self.test_id, timeout=self.rc.timeout)
        obs = send(self.rc, wire)
        self.evidence += [e for e in self.rc.evidence(self.test_id) if e not in self.evidence]
        shown_req, shown_resp = _show(obs)
        self.record(f"{label}: request", shown_req)
        self.record(f"{label}: response", shown_resp)
        details = run_checks(obs, expect, step=label)
        leak = denial_leak(obs, expect)
        if leak is not None:
            leak.step = label
            details.append(leak)
        if details:
            raise self.mismatch(details)
        self.saved.update(saved_values(obs, step.get("save") or {}))

    def action_step(self, step: dict) -> None:
        action = step["action"]
        broker = self.rc.broker
        if action == "sleep":
            time.sleep(min(float(step.get("seconds", 0.2)), MAX_SLEEP))
        elif action == "revoke":
            tok = self.tokens.get(step.get("token", "token"))
            broker.revoke(tok, how=step.get("how", "delete"))
        elif action == "mint":
            tok = broker.mint(f"{self.test_id}:{step.get('as', 'token')}", kind=step.get("kind", "valid"))
            REDACTOR.add_token(str(tok))
            self.tokens[step.get("as", "token")] = tok
        else:
            raise ScenarioError(f"unknown action {action!r}", field="action")

    def fuzz_step(self, step_model, label: str) -> None:
        from aigw_conformance.fuzz import FuzzContext, run_fuzz_step

        fuzz = getattr(step_model, "fuzz", None) or dump(step_model)["fuzz"]
        seed = fuzz.get("seed") if isinstance(fuzz, dict) else getattr(fuzz, "seed", None)
        t = self.rc.target
        prefix = build_prefix(t)
        providers = sorted(dict(getattr(t, "providers", None) or {"openai": "openai", "anthropic": "anthropic"}).values())

        def mint() -> str:
            tok = self.rc.broker.mint(f"{self.test_id}:fuzz", kind="valid")
            REDACTOR.add_token(str(tok))
            return str(tok)

        ctx = FuzzContext(base_url=self.rc.endpoints["default"], prefix=prefix, providers=providers,
                          mint_token=mint, operator_token=operator_token(self.rc), policy=self.rc.policy,
                          timeout=self.rc.timeout, seed=seed, record=lambda n, s: self.record(n, redact(s)))
        details = run_fuzz_step(step_model, ctx)
        for d in details:
            d.step = d.step or label
        if details:
            raise self.mismatch(details)

    def mismatch(self, details: list[MismatchDetail]) -> Mismatch:
        reqs = list(getattr(self.case.scenario, "requirement", None) or getattr(self.case.scenario, "requirements", []))
        ev = ", ".join(self.evidence) or None
        return Mismatch(self.case.test_id, reqs, details, evidence=ev)


def build_prefix(target) -> str:
    from .build import _prefix
    return _prefix(target, "canonical")


def operator_token(rc) -> str | None:
    if rc.reference is not None:
        return (rc.reference.state.get("operator") or {}).get("token")
    return getattr(getattr(rc.target, "token_source", None), "operator_token", None)
