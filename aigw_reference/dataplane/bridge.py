"""[model-authz] The bridge after ServeHTTP hands over: Addendum A AUTH-HTTP-007's table, in its order.

    1a provider configured but disabled           503 provider_disabled: AI provider "<name>" is disabled
    1b no route of an enabled provider             404 route not supported: <METHOD> <path>
    2  WebSocket upgrade on an intercepted route   501 WebSocket transport is not supported, use HTTP
    4a body over 32 MiB                            413 Request body too large. ... 32MiB.
    4b interceptor cannot be created (bad JSON)    500 failed to create "<path>" interceptor
    5  model check (second IsAuthorized)           403 unauthorized | 500 internal server error
    6  credential resolution                       500 failed to resolve credential: <error>
    9  otherwise                                   the upstream's answer
Row 3 (Agent-Firewall correlation headers) is not played: their names are not in the addendum.
Providers are rows of the catalogue, read per request, so an API change applies to the next request.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from ..authorize import AUTHENTICATION, POLICY, Authorized, Authorizer
from ..catalog import Catalog, Provider
from ..config import ReferenceConfig
from ..goerrors import text_error
from ..gostrings import go_quote
from ..proxy.hosts import loopback_literal
from .credentials import NO_CREDENTIAL, outbound_headers
from .forward import MAX_BODY, hop_headers, new_client, read_body, relay, route_kind, upstream_path

TOO_LARGE = "Request body too large. The maximum allowed request body size is 32MiB."
WS_REFUSED = "WebSocket transport is not supported, use HTTP"
NO_POOL = "no credential: request is not BYOK and the provider has no centralized keys"
NO_COPILOT = "missing Copilot authorization: Authorization header not found or invalid"


def is_websocket_upgrade(scope) -> bool:
    h = {k.lower(): v.decode("latin-1").lower() for k, v in scope["headers"]}
    return (scope["method"] == "GET" and "upgrade" in [t.strip() for t in h.get(b"connection", "").split(",")]
            and h.get(b"upgrade", "") == "websocket")


def upstream_base(p: Provider, canary_url: str) -> str:
    """Where the reference really sends a provider's traffic: its own upstream, a loopback base URL,
    or (any other host: the reference never leaves loopback) the canary's mount for the type."""
    if p.upstream:
        return p.upstream
    parts = urlsplit(p.base_url)
    if loopback_literal(parts.hostname or "") is not None:
        return p.base_url
    return canary_url.rstrip("/") + "/" + p.type + parts.path.rstrip("/")


def content_length(scope) -> int | None:
    for k, v in scope["headers"]:
        if k.lower() == b"content-length":
            try:
                return int(v)
            except ValueError:
                return None
    return None


class Bridge:
    def __init__(self, cfg: ReferenceConfig, catalog: Catalog, authorizer: Authorizer) -> None:
        self.cfg = cfg
        self.catalog = catalog
        self.authorizer = authorizer
        self.client = new_client(cfg)

    async def __call__(self, scope, receive, send) -> None:
        faults, path, method = self.cfg.faults, scope["path"], scope["method"]
        parts = path.split("/", 2)
        prov = self.catalog.provider(parts[1]) if len(parts) >= 2 and parts[1] else None
        sub = "/" + parts[2] if len(parts) == 3 else "/"
        if prov is not None and not prov.enabled and "disabled-provider-404" not in faults:
            return await text_error(503, f"provider_disabled: AI provider {go_quote(prov.name)} is disabled")(
                scope, receive, send)
        kind = route_kind(prov.type, sub, method, self.cfg.era, any_method=True, faults=faults) \
            if prov is not None and prov.enabled else None
        if kind is None:
            body = "not found" if "route-404-generic" in faults else f"route not supported: {method} {path}"
            return await text_error(404, body)(scope, receive, send)
        intercepted = kind == "intercepted"
        if intercepted and is_websocket_upgrade(scope) and "websocket-forwarded" not in faults:
            return await text_error(501, WS_REFUSED)(scope, receive, send)
        limit = 1 << 62 if "no-body-cap" in faults else MAX_BODY
        length = content_length(scope)
        body = None if length is not None and length > limit else await read_body(receive, limit)
        if body is None:
            # http.MaxBytesHandler around the whole mux; Go closes the connection after a MaxBytesError
            return await text_error(413, TOO_LARGE, headers={"Connection": "close"})(scope, receive, send)
        if intercepted:
            model = self._model(body)
            if model is None:
                status, msg = (400, "failed to unmarshal request body") if "invalid-json-400" in faults else \
                    (500, f"failed to create {go_quote(path)} interceptor")
                return await text_error(status, msg)(scope, receive, send)
            late = "model-denial-after-credentials" in faults
            if not late and "model-check-skipped" not in faults and not await self._model_ok(scope, receive, send, prov, model):
                return
        out, failure = self._credentials(scope, prov, intercepted)
        if failure is not None:
            return await failure(scope, receive, send)
        if intercepted and late and not await self._model_ok(scope, receive, send, prov, self._model(body) or ""):
            return
        headers = hop_headers(scope, out.headers, intercepted, self.cfg)
        url = upstream_base(prov, self.cfg.canary_url).rstrip("/") + upstream_path(prov.type, sub)
        await relay(self.client.pick(), scope, send, url, headers, body, receive)

    @staticmethod
    def _model(body: bytes) -> str | None:
        """The invocation model, or None when the interceptor cannot be created from the body."""
        try:
            data = json.loads(body)
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("model", ""), str):
            return None
        return data.get("model", "")

    async def _model_ok(self, scope, receive, send, prov: Provider, model: str) -> bool:
        """The second IsAuthorized, carrying provider instance name and model (AUTH-MODEL-001/003)."""
        # on the loop, like the first call (serve.py): a few store reads, cheaper than a thread hop
        result = self.authorizer.is_authorized(scope["aigw.token"], prov.name, model)
        if isinstance(result, Authorized):
            return True
        faults = self.cfg.faults
        if result.code in (AUTHENTICATION, POLICY) or "evaluation-error-as-denial" in faults:
            msg = f"model {model} is not allowed" if "model-denial-reveals-cause" in faults else "unauthorized"
            await text_error(403, msg)(scope, receive, send)
        else:
            await text_error(500, "internal server error")(scope, receive, send)
        return False

    def _credentials(self, scope, prov: Provider, intercepted: bool):
        """(Outbound, None) or (None, the error response) per AUTH-BYOK-008 and AUTH-HTTP-010."""
        faults = self.cfg.faults
        pool = prov.api_keys[0] if prov.api_keys else None
        out = outbound_headers(scope["headers"], prov.type, scope["aigw.token"], intercepted=intercepted,
                               cfg=self.cfg, central_key=pool)
        if out is not None:
            return out, None
        if prov.type == "copilot" and "copilot-centralized-accepted" in faults:
            from .credentials import Outbound
            return Outbound([], "centralized"), None
        if "no-credential-403" in faults or not intercepted:
            return None, text_error(403, NO_CREDENTIAL)
        reason = NO_COPILOT if prov.type == "copilot" else NO_POOL
        return None, text_error(500, f"failed to resolve credential: {reason}")


__all__ = ["Bridge", "upstream_base", "is_websocket_upgrade", "TOO_LARGE", "WS_REFUSED"]
