"""The last line of defence: no connection the proxy opens may leave loopback.

Runs in `server_connect`, just before mitmproxy dials. Setting `server.error` makes mitmproxy
abandon the dial (an intercepted request then gets 502; tunnels are refused earlier by
TunnelPolicy with 403, so this should never fire for them).
"""

from __future__ import annotations

import logging

from mitmproxy.proxy import server_hooks

from .hosts import loopback_literal

log = logging.getLogger(__name__)


class LoopbackDialGuard:
    def __init__(self) -> None:
        self.refused: list[tuple[str, int]] = []   # kept for tests: proof that nothing left

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        address = data.server.address
        if address is None or loopback_literal(str(address[0])) is None:
            self.refused.append((str(address[0]) if address else "", address[1] if address else 0))
            data.server.error = "refused: the reference proxy never dials outside loopback"
            log.warning("refused outbound dial to %s", address)
