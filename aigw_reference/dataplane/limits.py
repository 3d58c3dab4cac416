"""Concurrency limit and per-token rate limit (AUTH-HTTP-006 steps 2 and 3); both off by default."""

from __future__ import annotations

from collections import deque
from time import monotonic

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
    """At most `rate_limit` requests in any 1 s span, keyed by the token in the request headers,
    otherwise by client IP. A sliding log rather than fixed windows: httprate (which Coder uses)
    weighs the previous window in, so a burst that straddles a window boundary is still limited;
    fixed windows would let it through and make the 429 depend on the wall-clock phase."""

    def __init__(self, app, cfg: ReferenceConfig) -> None:
        self.app = app
        self.cfg = cfg
        self.recent: dict[str, deque[float]] = {}

    async def __call__(self, scope, receive, send) -> None:
        token = extract_auth_token(scope["headers"], era=self.cfg.era)
        key = "tok:" + token if token else "ip:" + (scope.get("client") or ("?",))[0]
        now = monotonic()
        # single event loop and no await between read and write: no lock needed
        stamps = self.recent.setdefault(key, deque(maxlen=self.cfg.rate_limit + 1))
        while stamps and now - stamps[0] >= 1.0:
            stamps.popleft()
        stamps.append(now)
        limited = len(stamps) > self.cfg.rate_limit
        if len(self.recent) > 10000:   # bounded memory: keys idle for a second are worthless
            self.recent = {k: v for k, v in self.recent.items() if v and now - v[-1] < 1.0}
        if limited:
            await json_error(429, "You've been rate limited. Please try again later.",
                             headers={"Retry-After": "1"})(scope, receive, send)
            return
        await self.app(scope, receive, send)
