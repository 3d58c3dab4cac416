"""What each client connection's CONNECT decided, shared by the proxy's addons.

mitmproxy gives the CONNECT flow and the decrypted flows inside the tunnel the same client
connection, so the client connection id is the key that ties a request to its handshake.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ConnectInfo:
    authority: str          # exactly as the client wrote it (case kept)
    host: str
    port: int
    provider: str | None    # set when the target is intercepted (MITM)
    token: str | None       # the proxy password; never validated here (AUTH-PROXY-005)


@dataclass
class ConnectRegistry:
    by_client: dict[str, ConnectInfo] = field(default_factory=dict)

    def put(self, client_id: str, info: ConnectInfo) -> None:
        self.by_client[client_id] = info

    def get(self, client_id: str) -> ConnectInfo | None:
        return self.by_client.get(client_id)

    def drop(self, client_id: str) -> None:
        self.by_client.pop(client_id, None)
