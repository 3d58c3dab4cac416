"""What a runner saw: the boundary between sending (runners) and judging (checks).

Headers are kept as ordered (name, value) pairs: order, casing and duplicates are part of what is
tested. Bodies are bytes. Everything is frozen; checks are pure functions of an Observation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Headers = tuple[tuple[str, str], ...]


def header_values(headers: Headers, name: str) -> list[str]:
    lname = name.lower()
    return [v for k, v in headers if k.lower() == lname]


@dataclass(frozen=True)
class WireRequest:
    """A fully rendered request, exactly as the harness puts it on the wire."""

    method: str
    url: str                       # direct: the target URL; proxy: e.g. https://api.openai.com/v1/...
    headers: Headers
    body: bytes = b""
    via: Literal["direct", "proxy"] = "direct"
    proxy_authorization: str | None = None   # proxy only: raw header value, None = header omitted
    tracking_id: str = ""
    test_id: str = ""              # pytest node id, for capture tagging
    timeout: float = 10.0
    tunnel: str | None = None      # proxy only: keep the tunnel open under this name and reuse it


@dataclass(frozen=True)
class HttpResponse:
    status: int
    reason: str
    headers: Headers
    body: bytes
    http_version: str = "HTTP/1.1"
    elapsed: float = 0.0

    def header(self, name: str) -> str | None:
        vals = header_values(self.headers, name)
        return vals[0] if vals else None


@dataclass(frozen=True)
class Handshake:
    """The CONNECT exchange with a proxy, byte for byte (proxy runner only)."""

    request: bytes                 # the exact CONNECT request bytes sent
    raw_response: bytes            # everything read before the tunnel opened or the socket closed
    status: int | None             # None: closed without an HTTP response
    reason: str = ""
    headers: Headers = ()
    body: bytes = b""
    closed: bool = False           # the proxy closed the connection after answering


@dataclass(frozen=True)
class UpstreamRecord:
    """One request the canary upstream (the simulated provider) received."""

    method: str
    path: str
    query: str
    headers: Headers
    body: bytes = b""
    tracking_id: str = ""


@dataclass(frozen=True)
class Observation:
    request: WireRequest
    response: HttpResponse | None          # None when the tunnel never opened
    handshake: Handshake | None = None
    upstream: tuple[UpstreamRecord, ...] | None = None   # None = not observable on this target
    evidence: tuple[str, ...] = field(default_factory=tuple)  # capture flow ids / file pointers
    local_port: int | None = None          # the harness's side of the connection (finds the tap's flow)
