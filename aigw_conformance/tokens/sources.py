"""Token sources: one entry per `tokens.source` a target may declare, each building its broker.

A new source is one module exposing a `TokenSourceKind` and one entry in `SOURCES`; the targets
loader validates names against this registry and derives the features a source provides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import httpx

from aigw_common import netguard
from aigw_common.netguard import NetworkPolicy
from aigw_common.redaction import Redactor
from aigw_conformance.targets.model import Timeouts, TokenSourceSpec
from aigw_conformance.tokens.broker import TokenBroker
from aigw_conformance.tokens.malformed import MalformedCatalogue


@dataclass(frozen=True)
class BrokerContext:
    spec: TokenSourceSpec
    base_url: str                # the deployment whose tokens these are
    run_id: str
    redactor: Redactor
    policy: NetworkPolicy
    timeouts: Timeouts
    malformed: MalformedCatalogue
    target_name: str
    era: str = "newest"


@dataclass(frozen=True)
class TokenSourceKind:
    name: str
    needs_operator: bool
    features: tuple[str, ...]
    build: Callable[[BrokerContext], TokenBroker]


def _coder_api(ctx: BrokerContext) -> TokenBroker:
    from aigw_conformance.tokens.coderapi import CoderApiBroker

    client = netguard.client(ctx.policy, timeout=httpx.Timeout(ctx.timeouts.read, connect=ctx.timeouts.connect),
                             trust_env=False)
    # model-authz: a fresh user has no model access (AUTH-MODEL-006); the setup grants the role
    grant = ("ai-gateway-unrestricted",) if ctx.era == "model-authz" else ()
    return CoderApiBroker(ctx.base_url, ctx.spec.operator_token or "", ctx.run_id, client,
                          redactor=ctx.redactor, static=ctx.spec.static, malformed=ctx.malformed,
                          target_name=ctx.target_name, grant_roles=grant)


def _static(ctx: BrokerContext) -> TokenBroker:
    from aigw_conformance.tokens.static import StaticBroker

    return StaticBroker(ctx.spec.static, redactor=ctx.redactor, missing=ctx.spec.missing, malformed=ctx.malformed)


SOURCES: dict[str, TokenSourceKind] = {
    "coder-api": TokenSourceKind("coder-api", needs_operator=True, features=("token-api",), build=_coder_api),
    "static": TokenSourceKind("static", needs_operator=False, features=(), build=_static),
}


def build_broker(ctx: BrokerContext | None, *, redactor: Redactor, malformed: MalformedCatalogue,
                 target_name: str) -> TokenBroker:
    """The broker for a deployment; a target without a token source gets one that only derives."""
    if ctx is None:
        from aigw_conformance.tokens.kinds import KINDS
        from aigw_conformance.tokens.static import StaticBroker

        reason = f"target {target_name!r} declares no token source"
        return StaticBroker({}, redactor=redactor, missing={k: reason for k in KINDS}, malformed=malformed)
    return SOURCES[ctx.spec.kind].build(ctx)


__all__ = ["SOURCES", "TokenSourceKind", "BrokerContext", "build_broker"]
