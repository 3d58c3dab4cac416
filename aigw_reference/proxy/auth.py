"""AUTH-PROXY-003/004/005: which CONNECTs are intercepted, and their Proxy-Authorization.

Only an exact `host:port` match of the allow-list is intercepted (so an upper-case host is a
tunnel). Credentials are parsed, never validated: any non-empty password opens the MITM session;
aibridged validates per request later.
"""

from __future__ import annotations

from mitmproxy import http

from . import wire
from .gate import raw_authority
from .hosts import split_authority
from .settings import ProxySettings
from .state import ConnectInfo, ConnectRegistry


def close_after_response(flow: http.HTTPFlow) -> None:
    # mitmproxy closes a connection after the response when the *request* asked for it; this keeps
    # the answer's bytes untouched while giving goproxy's close-after-reject behaviour.
    flow.request.headers["Connection"] = "close"


class CoderProxyAuth:
    def __init__(self, settings: ProxySettings, registry: ConnectRegistry, router=None) -> None:
        self.settings = settings
        self.registry = registry
        # [model-authz] hosts of enabled providers, reloaded at run time (reload.py); else the static list
        self.router = None if "proxy-static-hosts" in settings.faults else router
        self.intercepted = {
            f"{host}:{port}": provider
            for host, provider in settings.domains.items()
            for port in settings.allowed_ports
        }

    def provider_for(self, authority: str) -> str | None:
        if self.router is not None:
            return self.router.lookup(authority)     # lower-cased before matching (AUTH-PROXY-010)
        return self.intercepted.get(authority)       # exact goproxy.ReqHostIs (AUTH-PROXY-003)

    def token_of(self, flow: http.HTTPFlow) -> str | None:
        faults = self.settings.faults
        return wire.parse_proxy_authorization(
            flow.request.headers.get("Proxy-Authorization"),
            accept_bearer="proxy-accepts-bearer" in faults,
            username_is_token="proxy-username-as-token" in faults,
        )

    def reject(self, flow: http.HTTPFlow) -> None:
        with_challenge = "407-without-proxy-authenticate" not in self.settings.faults
        flow.response = wire.connect_407(with_challenge=with_challenge)
        close_after_response(flow)

    def http_connect(self, flow: http.HTTPFlow) -> None:
        if flow.response or flow.error:
            return
        authority = raw_authority(flow)
        provider = self.provider_for(authority)
        token = self.token_of(flow)
        if provider is None:
            if "proxy-auth-for-tunnels" in self.settings.faults and token is None:
                self.reject(flow)
            return  # a tunnel: TunnelPolicy decides
        if token is None:
            self.reject(flow)
            return
        host, port = split_authority(authority)
        self.registry.put(flow.client_conn.id, ConnectInfo(authority, host, int(port), provider, token))

    def client_disconnected(self, client) -> None:
        self.registry.drop(client.id)
