"""AUTH-PROXY-002: the CONNECT port gate, first of the CONNECT addons.

A port that is not on the list (or empty) is refused by closing the connection without any HTTP
response, as goproxy's RejectConnect does. `flow.kill()` makes mitmproxy close silently.
"""

from __future__ import annotations

from mitmproxy import http

from .hosts import split_authority
from .settings import ProxySettings


def raw_authority(flow: http.HTTPFlow) -> str:
    """The CONNECT target exactly as sent (mitmproxy's .host may be normalised)."""
    raw = flow.request.data.authority
    if raw:
        return raw.decode("utf-8", "surrogateescape")
    return f"{flow.request.host}:{flow.request.port}"


class PortGate:
    def __init__(self, settings: ProxySettings) -> None:
        self.allowed = frozenset(settings.allowed_ports)

    def http_connect(self, flow: http.HTTPFlow) -> None:
        _, port = split_authority(raw_authority(flow))
        if port not in self.allowed:
            flow.kill()
