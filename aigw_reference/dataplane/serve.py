"""aibridged.ServeHTTP: the AUTH-HTTP-004 error table in order, then the provider handler."""

from __future__ import annotations

import asyncio

from ..authorize import Authorized, Authorizer
from ..config import ReferenceConfig
from ..extract import extract_auth_token
from ..goerrors import text_error

LONG_TOKEN = 1024


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
        # SQLite work off the event loop so 200 concurrent requests do not serialise on it
        self.in_flight += 1
        try:
            busy = self.in_flight > 1
            result = await asyncio.to_thread(self.authorizer.is_authorized, key)
        finally:
            self.in_flight -= 1
        if busy and "500-under-concurrency" in faults:
            # AUTH-VALIDATE-002: any IsAuthorized error, a transport or store error included, is 403
            await text_error(500, "internal server error")(scope, receive, send)
            return
        if not isinstance(result, Authorized):
            status = 401 if "status-401" in faults else 403
            await text_error(status, "unauthorized")(scope, receive, send)
            return
        await self.handler({**scope, "aigw.auth": result, "aigw.token": key}, receive, send)
