"""Licence gate (always licensed here), BYOK guard and prefix strip: AUTH-HTTP-006 steps 1, 4, 6."""

from __future__ import annotations

from ..config import ReferenceConfig
from ..extract import is_byok
from ..goerrors import json_error

BYOK_DISABLED = ("Bring Your Own Key (BYOK) mode is not enabled.",
                 "Contact your administrator to enable it with --ai-gateway-allow-byok.")


class LicenceGate:
    """RequireFeatureMW(FeatureAIBridge): the reference is always licensed, so it only passes through."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        await self.app(scope, receive, send)


class ByokGuard:
    """Runs before token validation: an invalid token with the governance header still gets this 403."""

    def __init__(self, app, cfg: ReferenceConfig) -> None:
        self.app = app
        self.enabled = not cfg.allow_byok and "ignore-byok-guard" not in cfg.faults

    async def __call__(self, scope, receive, send) -> None:
        if self.enabled and is_byok(scope["headers"]):
            await json_error(403, *BYOK_DISABLED)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class StripPrefix:
    def __init__(self, app, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.prefixes = prefixes

    async def __call__(self, scope, receive, send) -> None:
        path = scope["path"]
        for p in self.prefixes:
            if path == p or path.startswith(p + "/"):
                scope = {**scope, "path": path[len(p):] or "/", "aigw.prefix": p}
                break
        await self.app(scope, receive, send)
