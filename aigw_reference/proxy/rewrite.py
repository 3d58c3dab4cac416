"""AUTH-PROXY-006/007: what happens to requests that reach the proxy as HTTP.

Decrypted requests of an intercepted CONNECT are rewritten to the gateway before any upstream
connection exists (the `request` hook runs before mitmproxy dials), so a provider host is never
dialled. Requests without CONNECT context get goproxy's 407 (absolute-form) or its non-proxy answer
(origin-form to the proxy itself).
"""

from __future__ import annotations

import uuid

from mitmproxy import http

from . import wire
from .hosts import loopback_literal
from .settings import ProxySettings
from .state import ConnectRegistry

GOV_TOKEN = "X-Coder-AI-Governance-Token"
GOV_REQUEST_ID = "X-Coder-AI-Governance-Request-Id"
OLDER_TOKEN = "X-Coder-Token"


def client_bearer(value: str | None) -> str | None:
    if not value:
        return None
    fields = value.split()
    if len(fields) != 2 or fields[0].lower() != "bearer":
        return None
    return fields[1]


def inject_byok(headers: http.Headers, token: str) -> None:
    """AUTH-PROXY-007 step 3: only a Bearer that differs from the proxy token makes it BYOK."""
    bearer = client_bearer(headers.get("Authorization"))
    if bearer is None or bearer == token or GOV_TOKEN in headers:
        return
    headers[GOV_TOKEN] = token


class Rewrite:
    def __init__(self, settings: ProxySettings, registry: ConnectRegistry, gateway_url: str, router=None) -> None:
        self.settings = settings
        self.registry = registry
        self.router = router          # [model-authz] live provider router (AUTH-PROXY-011)
        self.gateway_url = gateway_url.rstrip("/")
        self.listen_port: int | None = None   # set by the server once bound

    def request(self, flow: http.HTTPFlow) -> None:
        if flow.response:
            return
        info = self.registry.get(flow.client_conn.id)
        if info is None or info.provider is None or info.token is None:
            if info is None and "plain-http-forwarded" in self.settings.faults \
                    and flow.request.host.lower() not in self.settings.domains:
                return   # the fault: plain-HTTP proxying for hosts that are not providers
            flow.response = self.no_connect_answer(flow)
            return
        if self.stale(info):
            # AUTH-PROXY-011: the tunnel's CONNECT-time provider is gone or renamed; the request goes to
            # its original destination without Coder governance (the dial guard keeps it on loopback)
            return
        req = flow.request
        path = req.path  # includes the query
        req.url = f"{self.gateway_url}{self.settings.target_path}/{info.provider}{path}"
        req.headers[GOV_REQUEST_ID] = str(uuid.uuid4())
        if self.settings.era == "older":
            req.headers[OLDER_TOKEN] = info.token
        elif "proxy-validates-nothing-inject-always" in self.settings.faults:
            req.headers[GOV_TOKEN] = info.token
        else:
            inject_byok(req.headers, info.token)

    def stale(self, info) -> bool:
        if self.router is None or "proxy-stale-tunnel-routed" in self.settings.faults:
            return False
        return self.router.lookup(info.authority) != info.provider

    def no_connect_answer(self, flow: http.HTTPFlow) -> http.Response:
        req = flow.request
        to_self = loopback_literal(req.host) is not None and req.port == self.listen_port
        return wire.non_proxy_500() if to_self else wire.plain_407()

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        # Server-sent events must reach the client as they come, not when the stream ends.
        if flow.response and "text/event-stream" in flow.response.headers.get("content-type", ""):
            flow.response.stream = True
