"""Loopback dial guard: the tap may only ever connect to loopback.

Taps point at the gateway under test, which is on loopback; a flow that would make mitmproxy dial
anything else (a provider host, a name that needs DNS) is refused in ``server_connect`` before a
socket is opened, with the same policy the harness's own httpx clients use.
"""

from __future__ import annotations

from mitmproxy.proxy import server_hooks

from aigw_common.netguard import LOOPBACK_ONLY, NetworkPolicy


class LoopbackGuard:
    def __init__(self, policy: NetworkPolicy = LOOPBACK_ONLY) -> None:
        self.policy = policy
        self.refused: list[str] = []

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        address = data.server.address
        host = address[0] if address else ""
        if not self.policy.permits(host):
            port = address[1] if address else None
            self.refused.append(f"{host}:{port}")
            # Setting an error makes mitmproxy abort the connection attempt before dialling.
            data.server.error = f"aigw capture: refusing to dial {host}:{port} (loopback only)"
