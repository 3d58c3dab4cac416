"""Dial guard: a tap connects only where the harness's own clients may.

Taps point at the gateway under test: on loopback, or a host the target names in
``network.allow_hosts`` (a staging gateway). A flow that would make mitmproxy dial anything else (a
provider host, a name nobody allowed) is refused in ``server_connect`` before a socket is opened,
with the policy the harness's own httpx clients use (loopback only unless given the target's).
A loopback-only guard had refused the allowed staging host itself: with the capture on (the
default) every scenario against it was an error.
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
            data.server.error = (f"aigw capture: refusing to dial {host}:{port} (loopback and the target's "
                                 "network.allow_hosts only)")
