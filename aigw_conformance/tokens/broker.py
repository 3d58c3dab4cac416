"""Token brokers: where a scenario's tokens come from, and how they are revoked and cleaned up.

`CoderApiBroker` (tokens/coderapi.py) mints through the token REST API with an operator token;
`StaticBroker` (tokens/static.py) hands out tokens supplied through the environment. Both derive the
kinds that need no server (unknown-id, wrong-secret, malformed:*, none). Every real token is
registered with REDACTOR before it is returned.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from aigw_conformance.tokens.coderapi import CoderApiBroker
from aigw_conformance.tokens.kinds import KINDS
from aigw_conformance.tokens.malformed import MalformedCatalogue
from aigw_conformance.tokens.static import StaticBroker
from aigw_conformance.tokens.token import Token


class TokenBroker(Protocol):
    def get(self, kind: str, *, user: str | None = None, label: str) -> Token: ...
    def revoke(self, token: Token, how: str = "delete") -> None: ...
    def mint(self, label: str, kind: str = "valid") -> Token: ...
    def supports(self, kind: str) -> bool | str: ...
    def cleanup(self) -> list[str]: ...


# ------------------------------------------------------------------ factory
def broker_for(target: Any, run_id: str, http_client: httpx.Client | None = None, *,
               malformed: MalformedCatalogue | None = None) -> TokenBroker:
    """The broker a target's token source asks for (targets.Target.token_source)."""
    src = target.token_source
    if src is None:
        return StaticBroker({}, missing={k: f"target {target.name!r} declares no token source" for k in KINDS},
                            malformed=malformed)
    if src.kind == "static":
        return StaticBroker(src.static, missing=src.missing, malformed=malformed)
    if http_client is None:
        from aigw_conformance import netguard
        t = target.timeouts
        http_client = netguard.client(target.network_policy(),
                                      timeout=httpx.Timeout(t.read, connect=t.connect))
    # [protocol] model-authz: fresh users need the grandfathering role to use models (AUTH-MODEL-006)
    grant = ("ai-gateway-unrestricted",) if getattr(target, "era", "") == "model-authz" else ()
    return CoderApiBroker(target.base_url, src.operator_token, run_id, http_client, static=src.static,
                          malformed=malformed, target_name=target.name, grant_roles=grant)


def install_signal_cleanup(broker: TokenBroker) -> None:
    """Run `broker.cleanup()` on SIGTERM, then the previous handler. Call from the main thread."""
    import signal

    previous = signal.getsignal(signal.SIGTERM)

    def handler(signum, frame):  # noqa: ANN001
        broker.cleanup()
        if callable(previous):
            previous(signum, frame)
        else:
            raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


__all__ = ["TokenBroker", "CoderApiBroker", "StaticBroker", "Token", "broker_for", "install_signal_cleanup"]
