"""From a rendered, typed `Request` to the exact `WireRequest`, through the one validated route table.

The tracking id (Seam 2) goes into every place the route allows: a header, the query of bodiless
requests, and (through the route's sample body) the JSON message text. Direct requests go to the
endpoint the harness talks to (a capture tap or the target); proxy requests name the provider host,
exactly as written when the scenario gives `connect_host`.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from aigw_conformance.errors import ScenarioError
from aigw_conformance.observation import WireRequest
from aigw_conformance.scenario.model import JsonBody, RawBody, Request
from aigw_conformance.scenario.padding import pad_json
from aigw_conformance.scenario.routes import Route, RouteTable, prefix_path, rename_path
from aigw_conformance.targets.model import Target

TRACKING_HEADER = "X-Aigw-Tracking-Id"


def _body(req: Request, route: Route | None, tracking_id: str) -> tuple[bytes, str | None]:
    body = req.body
    if isinstance(body, JsonBody) and body.pad_to:   # an exact body size (the body-size limits)
        try:
            return pad_json(body.json_, int(body.pad_to)), "application/json"
        except ValueError as exc:
            raise ScenarioError(str(exc), field="request.body.pad_to") from None
    if isinstance(body, JsonBody):
        return json.dumps(body.json_).encode(), "application/json"
    if isinstance(body, RawBody):
        return body.raw.encode("utf-8"), None
    if body == "default" and route is not None and route.body is not None:
        return route.default_body({"tracking_id": tracking_id}), "application/json"
    return b"", None


def _proxy_url(req: Request, route: Route | None) -> str:
    if route is None and req.path is None:
        raise ScenarioError("a proxy request needs a route or a path", field="request.route")
    host = req.connect_host or (route.proxy_host if route else "api.openai.com:443")
    if ":" in host and host.rsplit(":", 1)[1] == "443":
        host = host.rsplit(":", 1)[0]
    # absolute form: a plain-HTTP request to the proxy itself (AUTH-PROXY-006)
    scheme = "http" if req.proxy_form == "absolute" else "https"
    path = route.proxy_path if route else str(req.path)
    return f"{scheme}://{host}/{path.lstrip('/')}"


def _direct_url(req: Request, route: Route | None, target: Target, base_url: str) -> str:
    if req.raw_path is not None:
        path = req.raw_path
    elif route is not None:
        path = prefix_path(target, req.prefix) + rename_path(target, route)
    else:
        path = prefix_path(target, req.prefix) + "/" + str(req.path).lstrip("/")
    return base_url.rstrip("/") + path


def build_wire(req: Request, *, routes: RouteTable, target: Target, base_url: str, tracking_id: str,
               test_id: str, timeout: float) -> WireRequest:
    """`base_url` is the endpoint the step talks to (capture tap or the target's own)."""
    route = routes.get(req.route) if req.route else None
    if req.route and route is None:
        raise ScenarioError(f"unknown route alias {req.route!r}", field="request.route")
    method = (req.method or (route.method if route else "GET")).upper()
    body, ctype = _body(req, route, tracking_id)
    headers = list(req.headers)
    if ctype and body and not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", ctype))
    headers.append((TRACKING_HEADER, tracking_id))
    query = dict(req.query)
    if not body:
        query.setdefault("aigw_tracking_id", tracking_id)
    url = _proxy_url(req, route) if req.via == "proxy" else _direct_url(req, route, target, base_url)
    if query:
        url += ("&" if "?" in url else "?") + urlencode(query)
    return WireRequest(method=method, url=url, headers=tuple(headers), body=body, via=req.via,
                       proxy_authorization=req.proxy_auth, tracking_id=tracking_id, test_id=test_id,
                       timeout=timeout, tunnel=req.tunnel)


__all__ = ["build_wire", "TRACKING_HEADER"]
