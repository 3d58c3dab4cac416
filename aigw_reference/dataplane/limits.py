"""Concurrency limit and per-token rate limit (AUTH-HTTP-006 steps 2 and 3); both off by default."""

from __future__ import annotations

import asyncio
import time

from ..config import ReferenceConfig
from ..extract import extract_auth_token
from ..goerrors import json_error


class ConcurrencyLimit:
    def __init__(self, app, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.active = 0

    async def __call__(self, scope, receive, send) -> None:
        if self.active >= self.limit:
            await json_error(503, "AI Gateway is currently at capacity. Please try again later.")(
                scope, receive, send)
            return
        self.active += 1   # single event loop: no lock needed between check and increment
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1


class RateLimit:
    """Fixed 1 s windows keyed by the token in the request headers, otherwise by client IP."""

    def __init__(self, app, cfg: ReferenceConfig) -> None:
        self.app = app
        self.cfg = cfg
        self.windows: dict[str, tuple[int, int]] = {}
        self.lock = asyncio.Lock()

    async def __call__(self, scope, receive, send) -> None:
        token = extract_auth_token(scope["headers"], era=self.cfg.era)
        key = "tok:" + token if token else "ip:" + (scope.get("client") or ("?",))[0]
        window = int(time.monotonic())
        async with self.lock:
            w, n = self.windows.get(key, (window, 0))
            if w != window:
                w, n = window, 0
            n += 1
            self.windows[key] = (w, n)
            if len(self.windows) > 10000:   # bounded memory: old windows are worthless
                self.windows = {k: v for k, v in self.windows.items() if v[0] == window}
        if n > self.cfg.rate_limit:
            await json_error(429, "You've been rate limited. Please try again later.",
                             headers={"Retry-After": "1"})(scope, receive, send)
            return
        await self.app(scope, receive, send)
