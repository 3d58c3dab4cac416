"""Provider routing (AUTH-PATH-002, -004, -005) and forwarding to the upstream, streaming the answer through.

`Forwarder` is the provider handler of the [older] and [newest] eras: fixed providers from the
configuration. The [model-authz] bridge (bridge.py) has its own error table and reuses `relay`.
"""

from __future__ import annotations

import json
import re

import httpx

from ..config import ReferenceConfig
from ..goerrors import text_error
from .credentials import NO_CREDENTIAL, outbound_headers
from .upstream import UpstreamClients

INTERCEPTED = {"openai": {"/v1/chat/completions", "/v1/responses"}, "anthropic": {"/v1/messages"},
               "copilot": {"/chat/completions", "/responses", "/v1/messages"}}
PASSTHROUGH = {
    "openai": re.compile(r"^/v1/(conversations|models)(/.*)?$|^/v1/responses/.+$"),
    "anthropic": re.compile(r"^/v1/messages/count_tokens$|^/v1/models(/.*)?$|^/api/event_logging/.*$"),
    # [newest] / [model-authz]: every non-intercepted Copilot path ("/", AUTH-PATH-005)
    "copilot": re.compile(r"^/.*$"),
}
# [older] Copilot: only these ServeMux patterns (the trailing-slash ones match their sub-paths)
OLDER_COPILOT_PASSTHROUGH = re.compile(r"^/models$|^/models/.*$|^/agents/.*$|^/mcp/.*$|^/\.well-known/.*$")
RESPONSE_DROP = {"connection", "keep-alive", "transfer-encoding", "set-cookie", "proxy-connection"}
MAX_BODY = 32 * 1024 * 1024   # routing.MaxRequestBodyBytes = 32 << 20


def passthrough_pattern(provider_type: str, era: str, faults: frozenset[str] = frozenset()) -> re.Pattern:
    if provider_type == "copilot" and (era == "older" or "copilot-passthrough-fixed-list" in faults):
        return OLDER_COPILOT_PASSTHROUGH
    return PASSTHROUGH[provider_type]


def route_kind(provider_type: str, sub: str, method: str, era: str, *, any_method: bool = False,
               faults: frozenset[str] = frozenset()) -> str | None:
    """'intercepted', 'passthrough' or None (no route) for a path below the provider prefix."""
    if sub in INTERCEPTED.get(provider_type, ()) and (method == "POST" or any_method):
        return "intercepted"
    if provider_type in PASSTHROUGH and passthrough_pattern(provider_type, era, faults).match(sub):
        return "passthrough"
    return None


def route(path: str, method: str, era: str = "newest") -> tuple[str, str, bool] | None:
    """(provider, sub-path, intercepted) or None, for the fixed providers of [older]/[newest]."""
    parts = path.split("/", 2)
    if len(parts) < 3 or parts[1] not in INTERCEPTED:
        return None
    provider, sub = parts[1], "/" + parts[2]
    kind = route_kind(provider, sub, method, era)
    return None if kind is None else (provider, sub, kind == "intercepted")


def upstream_path(provider_type: str, sub: str) -> str:
    # an OpenAI base URL ends in /v1 and the route prefix includes it
    return sub[3:] if provider_type == "openai" and sub.startswith("/v1/") else sub


async def read_body(receive, limit: int = MAX_BODY) -> bytes | None:
    """The whole body, or None once it passes `limit` (http.MaxBytesHandler) or the client left."""
    chunks, size = [], 0
    while True:
        msg = await receive()
        if msg["type"] == "http.disconnect":
            return None
        chunk = msg.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not msg.get("more_body"):
            return b"".join(chunks)


def forwarded_for(scope, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Passthrough sets a fresh X-Forwarded-* chain (AUTH-BYOK-006)."""
    client = (scope.get("client") or ("127.0.0.1",))[0]
    host = next((v.decode("latin-1") for k, v in scope["headers"] if k.lower() == b"host"), "")
    return headers + [("x-forwarded-for", client), ("x-forwarded-host", host), ("x-forwarded-proto", "http")]


def hop_headers(scope, headers: list[tuple[str, str]], intercepted: bool,
                cfg: ReferenceConfig) -> list[tuple[str, str]]:
    """What the provider hop adds: the X-Forwarded-* chain on passthrough, the actor headers on an
    intercepted route when the deployment sends them."""
    if not intercepted:
        return forwarded_for(scope, headers)
    if cfg.send_actor_headers:
        auth = scope["aigw.auth"]
        return headers + [("x-ai-bridge-actor-id", auth.owner_id),
                          ("x-ai-bridge-actor-metadata-username", auth.username)]
    return headers


async def relay(client: httpx.AsyncClient, scope, send, url: str, headers: list[tuple[str, str]], body: bytes,
                receive=None) -> None:
    """Send upstream and stream the answer back, chunk by chunk (SSE is never buffered)."""
    qs = scope.get("query_string", b"")
    req = client.build_request(scope["method"], url + ("?" + qs.decode("latin-1") if qs else ""),
                               headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
                               content=body)
    try:
        resp = await client.send(req, stream=True)
    except httpx.HTTPError:
        await text_error(502, "upstream request failed")(scope, receive, send)
        return
    try:
        await send({"type": "http.response.start", "status": resp.status_code,
                    "headers": [(k, v) for k, v in resp.headers.raw if k.lower().decode() not in RESPONSE_DROP]})
        async for chunk in resp.aiter_raw():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    except httpx.HTTPError:
        await send({"type": "http.response.body", "body": b""})
    finally:
        await resp.aclose()


def new_client(cfg: ReferenceConfig) -> UpstreamClients:
    return UpstreamClients(cfg.upstream_timeout_s)


class Forwarder:
    def __init__(self, cfg: ReferenceConfig) -> None:
        self.cfg = cfg
        self.client = new_client(cfg)

    async def __call__(self, scope, receive, send) -> None:
        r = route(scope["path"], scope["method"], self.cfg.era)
        if r is None or r[0] not in self.cfg.providers or r[0] not in self.cfg.upstreams:
            # AUTH-PATH-004: the prefix-stripped path, every era
            body = "not found" if "route-404-generic" in self.cfg.faults else \
                f"route not supported: {scope['method']} {scope['path']}"
            await text_error(404, body)(scope, receive, send)
            return
        provider, sub, intercepted = r
        body = await read_body(receive)
        if body is None:
            await text_error(413, "request body too large")(scope, receive, send)
            return
        if intercepted:
            try:
                json.loads(body)
            except ValueError:
                if provider == "copilot" and self.cfg.era == "older":
                    await text_error(500, f'failed to create "{scope["path"]}" interceptor')(scope, receive, send)
                    return
                await text_error(400, "failed to unmarshal request body")(scope, receive, send)
                return
        out = outbound_headers(scope["headers"], provider, scope["aigw.token"], intercepted=intercepted,
                               cfg=self.cfg)
        if out is None:
            if provider == "copilot" and intercepted and self.cfg.era == "older":
                # [older] CreateInterceptor rejects the missing Authorization; the bridge hides why (AUTH-PATH-006)
                await text_error(500, f'failed to create "{scope["path"]}" interceptor')(scope, receive, send)
                return
            await text_error(403, NO_CREDENTIAL)(scope, receive, send)
            return
        headers = hop_headers(scope, out.headers, intercepted, self.cfg)
        url = self.cfg.upstreams[provider].rstrip("/") + upstream_path(provider, sub)
        await relay(self.client.pick(), scope, send, url, headers, body, receive)
