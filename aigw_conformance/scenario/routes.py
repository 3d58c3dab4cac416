"""Route aliases (fixtures/routes.yaml) and their resolution against a target.

Built-in aliases follow docs/scenario-format.md; fixtures/routes.yaml may add aliases or override
fields. Resolution applies the target's provider renames and prefixes:
``<base_url><prefix><path with /openai renamed>``; through the proxy, the route maps to the provider
host (``api.openai.com:443``) and the provider path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aigw_conformance import resources, safeyaml
from aigw_conformance.errors import ConfigError

PREFIXES = {"canonical": "/api/v2/ai-gateway", "legacy": "/api/v2/aibridge"}
_FIELDS = {"method", "path", "provider", "proxy", "proxy_host", "proxy_path", "body", "description",
           "intercepted"}

_CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "ping"}]}
_MSG = {"model": "claude-3-5-haiku-latest", "max_tokens": 16, "messages": [{"role": "user", "content": "ping"}]}


@dataclass(frozen=True)
class Route:
    alias: str
    method: str
    path: str                      # after the prefix, e.g. /openai/v1/chat/completions
    provider: str                  # canonical provider name: openai | anthropic | …
    proxy_host: str                # CONNECT host:port through the proxy
    proxy_path: str                # path on the provider host, e.g. /v1/chat/completions
    body: Any = None               # default JSON body, None = no body
    intercepted: bool = True

    @property
    def feature(self) -> str:
        return f"provider:{self.provider}"

    def default_body(self, ctx: dict | None = None) -> bytes:
        """The sample body as JSON bytes; with a context its templates ({{ tracking_id }}) are rendered."""
        if self.body is None:
            return b""
        body = self.body
        if ctx is not None:
            from aigw_conformance.scenario.templating import render
            body = render(body, ctx)
        return json.dumps(body).encode()


def _builtin() -> dict[str, Route]:
    rows = [
        ("openai.chat", "POST", "/openai/v1/chat/completions", "openai", _CHAT, True),
        ("openai.responses", "POST", "/openai/v1/responses", "openai", {"model": "gpt-4o-mini", "input": "ping"}, True),
        ("openai.models", "GET", "/openai/v1/models", "openai", None, False),
        ("anthropic.messages", "POST", "/anthropic/v1/messages", "anthropic", _MSG, True),
        ("anthropic.count_tokens", "POST", "/anthropic/v1/messages/count_tokens", "anthropic",
         {"model": _MSG["model"], "messages": _MSG["messages"]}, False),
        ("anthropic.models", "GET", "/anthropic/v1/models", "anthropic", None, False),
    ]
    hosts = {"openai": "api.openai.com:443", "anthropic": "api.anthropic.com:443"}
    out = {}
    for alias, method, path, prov, body, inter in rows:
        proxy_path = path[len(prov) + 1:]
        out[alias] = Route(alias, method, path, prov, hosts[prov], proxy_path, body, inter)
    return out


@dataclass(frozen=True)
class RouteTable:
    routes: dict[str, Route] = field(default_factory=_builtin)

    def get(self, alias: str) -> Route | None:
        return self.routes.get(alias)

    def __contains__(self, alias: object) -> bool:
        return alias in self.routes

    def aliases(self) -> list[str]:
        return sorted(self.routes)


def load_routes(path: Path | str | None = None) -> RouteTable:
    """Built-ins, overridden by the fixture file when it exists (a missing default file is fine)."""
    p = Path(path) if path is not None else resources.routes_file()
    routes = _builtin()
    if not p.exists():
        if path is not None:
            raise ConfigError("route file not found", file=str(p))
        return RouteTable(routes)
    try:
        data = safeyaml.load_config(p) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read the route file ({exc.strerror})", file=str(p)) from None
    data = data.get("routes", data) if isinstance(data, dict) else data
    if isinstance(data, list):
        data = {str(r.get("alias")): r for r in data if isinstance(r, dict)}
    if not isinstance(data, dict):
        raise ConfigError("expected `routes:` as a mapping alias → fields", file=str(p), field="routes")
    for alias, raw in data.items():
        routes[alias] = _route(str(alias), raw, routes.get(str(alias)), str(p))
    return RouteTable(routes)


def _route(alias: str, raw: Any, base: Route | None, file: str) -> Route:
    if not isinstance(raw, dict):
        raise ConfigError("must be a mapping", file=file, field=alias)
    raw = {k: v for k, v in raw.items() if k != "alias"}
    unknown = set(raw) - _FIELDS
    if unknown:
        raise ConfigError(f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_FIELDS)}", file=file,
                          field=f"{alias}.{sorted(unknown)[0]}")
    merged: dict[str, Any] = dict(base.__dict__) if base else {"alias": alias, "body": None, "intercepted": True}
    proxy = raw.pop("proxy", None)
    if proxy is not None:
        if not isinstance(proxy, dict) or set(proxy) - {"host", "path"}:
            raise ConfigError("proxy must be a mapping {host: 'api.example.com:443', path: /v1/...}",
                              file=file, field=f"{alias}.proxy")
        if "host" in proxy:
            raw["proxy_host"] = str(proxy["host"])
        if "path" in proxy:
            raw["proxy_path"] = str(proxy["path"])
    for k, v in raw.items():
        if k != "description":
            merged[k] = v
    if isinstance(merged.get("body"), dict) and set(merged["body"]) == {"json"}:
        merged["body"] = merged["body"]["json"]
    for req in ("method", "path", "provider"):
        if not isinstance(merged.get(req), str):
            raise ConfigError(f"`{req}` is required and must be a string", file=file, field=f"{alias}.{req}")
    prov = merged["provider"]
    merged.setdefault("proxy_host", f"api.{prov}.com:443")
    merged.setdefault("proxy_path", merged["path"][len(prov) + 1:] if merged["path"].startswith(f"/{prov}/") else merged["path"])
    merged["method"] = merged["method"].upper()
    return Route(**{k: merged[k] for k in Route.__dataclass_fields__})


# ------------------------------------------------------------------ resolution per target
@dataclass(frozen=True)
class ResolvedRoute:
    route: Route
    method: str
    url: str              # direct URL (base + prefix + renamed path)
    path: str             # the path part of url
    proxy_host: str       # host:port for CONNECT
    proxy_url: str        # https://<provider host><provider path>


def provider_name(target: Any, provider: str) -> str:
    """The name the target serves a provider under (targets may rename: {openai: {name: oai}})."""
    renames = getattr(target, "provider_names", None) or {}
    return renames.get(provider, provider)


def prefix_path(target: Any, prefix: str = "canonical") -> str:
    prefixes = getattr(target, "prefixes", None) or PREFIXES
    if prefix not in prefixes:
        raise ConfigError(f"the target has no {prefix!r} prefix (has: {', '.join(prefixes)})", field="prefix")
    return prefixes[prefix].rstrip("/")


def rename_path(target: Any, route: Route, path: str | None = None) -> str:
    path = route.path if path is None else path
    served = provider_name(target, route.provider)
    head = f"/{route.provider}"
    if served != route.provider and (path == head or path.startswith(head + "/")):
        path = f"/{served}" + path[len(head):]
    return path


def resolve(route: Route, target: Any, *, prefix: str = "canonical", base_url: str | None = None) -> ResolvedRoute:
    base = (base_url or target.base_url).rstrip("/")
    path = prefix_path(target, prefix) + rename_path(target, route)
    host = route.proxy_host
    host_only = host.rsplit(":", 1)[0] if ":" in host else host
    return ResolvedRoute(route=route, method=route.method, url=base + path, path=path, proxy_host=host,
                         proxy_url=f"https://{host_only}{route.proxy_path}")


__all__ = ["Route", "RouteTable", "ResolvedRoute", "load_routes", "resolve", "provider_name",
           "prefix_path", "rename_path", "PREFIXES"]
