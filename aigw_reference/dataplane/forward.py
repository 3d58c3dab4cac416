"""Provider routing (AUTH-PATH-002) and forwarding to the upstream, streaming the answer through."""

from __future__ import annotations

import json
import re

import httpx

from aigw_common import netguard

from ..config import ReferenceConfig
from ..goerrors import text_error
from .credentials import NO_CREDENTIAL, outbound_headers

INTERCEPTED = {"openai": {"/v1/chat/completions", "/v1/responses"}, "anthropic": {"/v1/messages"}}
PASSTHROUGH = {
    "openai": re.compile(r"^/v1/(conversations|models)(/.*)?$|^/v1/responses/.+$"),
    "anthropic": re.compile(r"^/v1/messages/count_tokens$|^/v1/models(/.*)?$|^/api/event_logging/.*$"),
}
RESPONSE_DROP = {"connection", "keep-alive", "transfer-encoding", "set-cookie", "proxy-connection"}
MAX_BODY = 32 * 1024 * 1024


def route(path: str, method: str) -> tuple[str, str, bool] | None:
    """(provider, sub-path, intercepted) or None."""
    parts = path.split("/", 2)
    if len(parts) < 3 or parts[1] not in INTERCEPTED:
        return None
    provider, sub = parts[1], "/" + parts[2]
    if sub in INTERCEPTED[provider] and method == "POST":
        return provider, sub, True
    if PASSTHROUGH[provider].match(sub):
        return provider, sub, False
    return None


async def read_body(receive) -> bytes | None:
    chunks, size = [], 0
    while True:
        msg = await receive()
        if msg["type"] == "http.disconnect":
            return None
        chunk = msg.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not msg.get("more_body"):
            return b"".join(chunks)


class Forwarder:
    def __init__(self, cfg: ReferenceConfig) -> None:
        self.cfg = cfg
        self.client = netguard.async_client(timeout=cfg.upstream_timeout_s,
                                            limits=httpx.Limits(max_connections=512))

    async def __call__(self, scope, receive, send) -> None:
        r = route(scope["path"], scope["method"])
        if r is None or r[0] not in self.cfg.providers:
            await text_error(404, f"route not supported: {scope['method']} {scope['path']}")(scope, receive, send)
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
                await text_error(400, "failed to unmarshal request body")(scope, receive, send)
                return
        out = outbound_headers(scope["headers"], provider, scope["aigw.token"], intercepted=intercepted,
                               cfg=self.cfg)
        if out is None:
            await text_error(403, NO_CREDENTIAL)(scope, receive, send)
            return
        headers = out.headers
        if not intercepted:
            client = (scope.get("client") or ("127.0.0.1",))[0]
            host = next((v.decode("latin-1") for k, v in scope["headers"] if k.lower() == b"host"), "")
            headers += [("x-forwarded-for", client), ("x-forwarded-host", host), ("x-forwarded-proto", "http")]
        elif self.cfg.send_actor_headers:
            auth = scope["aigw.auth"]
            headers += [("x-ai-bridge-actor-id", auth.owner_id),
                        ("x-ai-bridge-actor-metadata-username", auth.username)]
        url = self.cfg.upstreams[provider].rstrip("/") + (sub[3:] if provider == "openai" else sub)
        qs = scope.get("query_string", b"")
        req = self.client.build_request(scope["method"], url + ("?" + qs.decode("latin-1") if qs else ""),
                                        headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
                                        content=body)
        try:
            resp = await self.client.send(req, stream=True)
        except httpx.HTTPError:
            await text_error(502, "upstream request failed")(scope, receive, send)
            return
        try:
            await send({"type": "http.response.start", "status": resp.status_code,
                        "headers": [(k, v) for k, v in resp.headers.raw if k.lower().decode() not in RESPONSE_DROP]})
            async for chunk in resp.aiter_raw():   # SSE passes through chunk by chunk, never buffered
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        except httpx.HTTPError:
            await send({"type": "http.response.body", "body": b""})
        finally:
            await resp.aclose()
