"""AUTH-PROXY-003: CONNECTs to hosts that are not intercepted are tunnelled untouched.

Blocked destinations get a raw 403 Forbidden, other dial failures 502 Bad Gateway, both at CONNECT
time. The reference never leaves loopback, so any destination that is not a loopback literal (or
`localhost`) is answered as a blocked tunnel without being resolved or dialled. The dial itself
happens later (lazy strategy), so a short probe connection decides the 502 case up front.
"""

from __future__ import annotations

import asyncio

from mitmproxy import http
from mitmproxy.proxy import layer, layers

from . import wire
from .auth import close_after_response
from .gate import raw_authority
from .hosts import in_cidrs, ip_literal, is_private, loopback_literal, split_authority
from .settings import ProxySettings
from .state import ConnectInfo, ConnectRegistry

PROBE_TIMEOUT = 2.0


def tunnel_verdict(host: str, allowed_cidrs: tuple[str, ...]) -> int | None:
    """403 when the destination is blocked, None when it may be dialled (loopback only)."""
    ip = ip_literal(host) or loopback_literal(host)
    if ip is None:
        return 403            # a name: never resolved, never dialled
    if is_private(ip) and not in_cidrs(ip, allowed_cidrs):
        return 403
    if loopback_literal(str(ip)) is None:
        return 403            # public address: the reference does not leave the machine
    return None


async def probe(host: str, port: int) -> bool:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), PROBE_TIMEOUT)
    except (OSError, asyncio.TimeoutError):
        return False
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass
    return True


class TunnelPolicy:
    def __init__(self, settings: ProxySettings, registry: ConnectRegistry) -> None:
        self.settings = settings
        self.registry = registry

    async def http_connect(self, flow: http.HTTPFlow) -> None:
        if flow.response or flow.error or self.registry.get(flow.client_conn.id):
            return
        authority = raw_authority(flow)
        host, port = split_authority(authority)
        status = tunnel_verdict(host, self.settings.allowed_private_cidrs)
        if status is None and not await probe(str(loopback_literal(host)), int(port)):
            status = 502
        if status is not None:
            flow.response = wire.tunnel_error(status)
            close_after_response(flow)
            return
        self.registry.put(flow.client_conn.id, ConnectInfo(authority, host, int(port), None, None))

    def next_layer(self, nextlayer: layer.NextLayer) -> None:
        ctx = nextlayer.context
        info = self.registry.get(ctx.client.id)
        if info is None or info.provider is not None or ctx.server.address is None:
            return
        # Raw bytes both ways: no TLS interception, no HTTP parsing.
        nextlayer.layer = layers.TCPLayer(ctx, ignore=True)
