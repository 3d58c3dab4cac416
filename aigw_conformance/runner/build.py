"""From a rendered `request:` mapping (docs/scenario-format.md) to the exact WireRequest.

The mapping is plain data in the YAML's own spelling (models are dumped with their aliases), so
this module depends on the documented format, not on the model's field names. The tracking id
(Seam 2) goes into every place the route allows: a header, the query of bodiless requests, and the
JSON body's message text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aigw_conformance.errors import ScenarioError
from aigw_conformance.observation import WireRequest

PREFIXES = {"canonical": "/api/v2/ai-gateway", "legacy": "/api/v2/aibridge"}
PROVIDER_HOSTS = {"openai": "api.openai.com", "anthropic": "api.anthropic.com"}
TRACKING_HEADER = "X-Aigw-Tracking-Id"


@dataclass(frozen=True)
class Route:
    method: str
    path: str          # after the prefix, e.g. /openai/v1/chat/completions
    provider: str


ROUTES = {
    "openai.chat": Route("POST", "/openai/v1/chat/completions", "openai"),
    "openai.responses": Route("POST", "/openai/v1/responses", "openai"),
    "openai.models": Route("GET", "/openai/v1/models", "openai"),
    "anthropic.messages": Route("POST", "/anthropic/v1/messages", "anthropic"),
    "anthropic.count_tokens": Route("POST", "/anthropic/v1/messages/count_tokens", "anthropic"),
    "anthropic.models": Route("GET", "/anthropic/v1/models", "anthropic"),
}


def default_body(alias: str, tracking_id: str) -> dict | None:
    text = f"conformance probe {tracking_id}"
    if alias == "openai.chat":
        return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}
    if alias == "openai.responses":
        return {"model": "gpt-4o-mini", "input": text}
    if alias == "anthropic.messages":
        return {"model": "claude-3-5-haiku-latest", "max_tokens": 16,
                "messages": [{"role": "user", "content": text}]}
    if alias == "anthropic.count_tokens":
        return {"model": "claude-3-5-haiku-latest", "messages": [{"role": "user", "content": text}]}
    return None


def _provider_name(target, provider: str) -> str:
    # targets may rename providers: {openai: {name: oai}}; aliases follow the rename
    providers = getattr(target, "providers", None) or {}
    entry = providers.get(provider) if hasattr(providers, "get") else None
    if isinstance(entry, str):
        return entry
    name = getattr(entry, "name", None) or (entry.get("name") if isinstance(entry, dict) else None)
    return name or provider


def _prefix(target, which: str) -> str:
    prefixes = getattr(target, "prefixes", None)
    if isinstance(prefixes, dict) and prefixes.get(which):
        return str(prefixes[which]).rstrip("/")
    return PREFIXES.get(which, PREFIXES["canonical"])


def _headers(raw: Any) -> list[tuple[str, str]]:
    if not raw:
        return []
    if isinstance(raw, dict):
        return [(str(k), "" if v is None else str(v)) for k, v in raw.items()]
    return [(str(k), "" if v is None else str(v)) for k, v in raw]


def _body(spec: Any, alias: str | None, tracking_id: str) -> tuple[bytes, str | None]:
    if spec in (None, "default"):
        data = default_body(alias, tracking_id) if alias else None
        return (json.dumps(data).encode(), "application/json") if data is not None else (b"", None)
    if spec == "none":
        return b"", None
    if isinstance(spec, dict) and "json" in spec:
        if spec.get("pad_to"):   # [protocol] body-size limits (issue 15)
            from aigw_conformance.scenario.padding import pad_json
            try:
                return pad_json(spec["json"], int(spec["pad_to"])), "application/json"
            except ValueError as exc:
                raise ScenarioError(str(exc), field="request.body.pad_to") from None
        return json.dumps(spec["json"]).encode(), "application/json"
    if isinstance(spec, dict) and "raw" in spec:
        raw = spec["raw"]
        return (raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)), None
    raise ScenarioError(f"unsupported body {spec!r}", field="request.body")


def build_request(req: dict, *, target, base_url: str, tracking_id: str, test_id: str,
                  timeout: float) -> WireRequest:
    """`base_url` is the endpoint the step talks to (capture tap or the target's own)."""
    alias = req.get("route")
    route = ROUTES.get(alias) if alias else None
    if alias and route is None:
        raise ScenarioError(f"unknown route alias {alias!r}", field="request.route")
    via = req.get("via") or "direct"
    method = (req.get("method") or (route.method if route else "GET")).upper()
    body, ctype = _body(req.get("body"), alias, tracking_id)
    headers = _headers(req.get("headers"))
    names = {k.lower() for k, _ in headers}
    if ctype and body and "content-type" not in names:
        headers.append(("Content-Type", ctype))
    headers.append((TRACKING_HEADER, tracking_id))
    query = dict(req.get("query") or {})
    if not body:
        query.setdefault("aigw_tracking_id", tracking_id)
    if via == "proxy":
        if route is None and not req.get("path"):
            raise ScenarioError("a proxy request needs a route or a path", field="request.route")
        host = req.get("connect_host") or PROVIDER_HOSTS.get(route.provider if route else "", "api.openai.com")
        if ":" in host and host.rsplit(":", 1)[1] == "443":
            host = host.rsplit(":", 1)[0]
        # absolute form: a plain-HTTP request to the proxy itself (AUTH-PROXY-006)
        scheme = "http" if req.get("proxy_form") == "absolute" else "https"
        path = route.path.split("/", 2)[2] if route else str(req["path"])
        url = f"{scheme}://{host}/{path.lstrip('/')}"
    else:
        if req.get("raw_path") is not None:
            path = str(req["raw_path"])
        else:
            if route is not None:
                rest = route.path.split("/", 2)[2]
                path = f"/{_provider_name(target, route.provider)}/{rest}"
            elif req.get("path") is not None:
                path = str(req["path"])
            else:
                raise ScenarioError("a request needs route, path or raw_path", field="request")
            path = _prefix(target, req.get("prefix") or "canonical") + "/" + path.lstrip("/")
        url = base_url.rstrip("/") + path
    if query:
        url += ("&" if "?" in url else "?") + urlencode(query)
    proxy_auth = req.get("proxy_auth")
    return WireRequest(method=method, url=url, headers=tuple(headers), body=body, via=via,
                       proxy_authorization=None if proxy_auth is None else str(proxy_auth),
                       tracking_id=tracking_id, test_id=test_id, timeout=timeout,
                       tunnel=req.get("tunnel"))   # [protocol] tunnel reuse (issue 15)
