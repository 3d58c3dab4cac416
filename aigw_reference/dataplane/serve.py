"""aibridged.ServeHTTP: the AUTH-HTTP-004 error table in order, then the provider handler."""

from __future__ import annotations

import asyncio

from ..authorize import AUTHENTICATION, POLICY, Authorized, Authorizer
from ..config import ReferenceConfig
from ..extract import GOVERNANCE, carrier_of, extract_auth_token, first
from ..goerrors import text_error
from .late_leak import forward_later

LONG_TOKEN = 1024


def path_faults(scope, faults: frozenset[str], era: str) -> frozenset[str]:
    """Faults that break a rule on one path only (one prefix, one carrier header, one provider): the
    kind of gateway bug a single-path scenario misses and the cross-product matrix catches."""
    extra = set()
    if "legacy-prefix-accepts-expired" in faults and scope.get("aigw.prefix") == "/api/v2/aibridge":
        extra.add("accept-expired")
    if "x-api-key-ignores-status" in faults and carrier_of(scope["headers"], era=era) == "x-api-key":
        extra.add("admit-suspended")
    if "anthropic-accepts-revoked" in faults and scope["path"].startswith("/anthropic/"):
        extra.add("accept-revoked")
    return frozenset(extra)


class Aibridged:
    def __init__(self, handler, authorizer: Authorizer, cfg: ReferenceConfig) -> None:
        self.handler = handler
        self.authorizer = authorizer
        self.cfg = cfg
        self.in_flight = 0   # authorizations under way (one event loop: no lock needed)

    def _valid(self, token: str) -> bool:
        return isinstance(self.authorizer.is_authorized(token), Authorized)

    async def __call__(self, scope, receive, send) -> None:
        faults = self.cfg.faults
        key = extract_auth_token(scope["headers"], era=self.cfg.era, faults=faults, valid=self._valid)
        head_fault = scope["method"] == "HEAD" and "head-probe-goes-to-auth" in faults
        if not key and not head_fault:   # also the unauthenticated HEAD probe of Claude Code
            await text_error(400, "no authentication key provided")(scope, receive, send)
            return
        if "500-on-long-token" in faults and len(key) > LONG_TOKEN:
            await text_error(500, "internal server error")(scope, receive, send)
            return
        delegated_id = first(scope["headers"], "x-coder-ai-gateway-delegated-key-id")
        self.in_flight += 1
        try:
            busy = self.in_flight > 1
            if "governance-delegated-bypass" in faults and (first(scope["headers"], GOVERNANCE) or "").strip() == "delegated" \
                    and delegated_id:
                # the fault: a reserved governance value opens the delegated path (AUTH-BYOK-009 forbids it)
                result = await asyncio.to_thread(self.authorizer.delegated, delegated_id.strip())
            elif "500-under-concurrency" in faults:
                # the fault needs authorizations that overlap in time, as a store round trip under load
                # does: the lookup runs off the loop, so concurrent requests are in flight together
                result = await asyncio.to_thread(self.authorizer.is_authorized, key,
                                                 extra_faults=path_faults(scope, faults, self.cfg.era))
            else:
                # On the loop: two primary-key reads take microseconds and the store serialises on its one
                # connection anyway, while a thread hop per request (executor queue, GIL hand-over, wake-up
                # of the loop) cost more than the lookup and held 200 concurrent clients to a few hundred/s.
                result = self.authorizer.is_authorized(key, extra_faults=path_faults(scope, faults, self.cfg.era))
        finally:
            self.in_flight -= 1
        if busy and "500-under-concurrency" in faults:
            # AUTH-VALIDATE-002: any IsAuthorized error, a transport or store error included, is 403
            await text_error(500, "internal server error")(scope, receive, send)
            return
        if not isinstance(result, Authorized):
            if self.cfg.era == "model-authz" and result.code not in (AUTHENTICATION, POLICY):
                # [model-authz] 1003/1004 (and uncoded) -> 500; body per sub-variant (AUTH-VALIDATE-002 as edited)
                await text_error(500, self.cfg.key_error_body)(scope, receive, send)
                return
            status = 401 if "status-401" in faults else 403
            await text_error(status, "unauthorized")(scope, receive, send)
            if "forward-denied-late" in faults:
                forward_later(scope, self.cfg)
            return
        await self.handler({**scope, "aigw.auth": result, "aigw.token": key}, receive, send)
