"""Tap errors: what the tap itself made up must never pass for the gateway's answer.

When mitmproxy cannot reach the gateway (refused, reset, closed before answering, timed out) it
answers the client itself, e.g. ``502 Bad Gateway``, and for a raw TCP tap simply closes. Those
are the harness's words, not the gateway's. This addon records every such failure, keyed by the
request's tracking id (HTTP) or the client's port (TCP), before mitmproxy sends its own answer
(mitmproxy runs the ``error`` hook first), so the runner can turn it into a transport error.

It also hands every token-creation answer to the run's mint path as the answer passes, so a key
is registered with the redactor before any part of the run could record it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # the runner imports this module with capture off: no mitmproxy at run time
    from mitmproxy import http, tcp

TRACKING_HEADER = "X-Aigw-Tracking-Id"


def tap_server_header() -> str:
    """The Server header of every answer mitmproxy makes up itself (its error pages)."""
    from mitmproxy import version
    return version.MITMPROXY


def is_tap_answer(headers) -> bool:
    """True for an answer the tap wrote (an error page), whatever the gateway behind it is."""
    if hasattr(headers, "get"):   # httpx / requests headers: case-insensitive mappings
        server = headers.get("server")
    else:                         # an Observation's (name, value) pairs
        server = next((v for k, v in headers if k.lower() == "server"), None)
    return server == tap_server_header()
_CLOSED_WORDS = ("disconnect", "closed", "reset", "eof", "broken pipe")


@dataclass(frozen=True)
class TapFailure:
    cause: str                 # mitmproxy's message, e.g. "Connection refused" or "Server disconnected."
    before_response: bool      # no byte of the gateway's response had arrived

    @property
    def closed_early(self) -> bool:
        """The gateway closed (a kept-alive connection) before answering: the retryable case."""
        return self.before_response and any(w in self.cause.lower() for w in _CLOSED_WORDS)


class TapErrors:
    def __init__(self, mint_path=None) -> None:
        self._lock = threading.Lock()
        self._by_tracking: dict[str, TapFailure] = {}
        self._by_port: dict[int, TapFailure] = {}
        self._ended_ports: set[int] = set()   # TCP connections the tap has finished with, failed or not
        self._mint_path = mint_path

    # -- hooks -----------------------------------------------------------------------------
    def error(self, flow: http.HTTPFlow) -> None:
        tracking = flow.request.headers.get(TRACKING_HEADER) if flow.request else None
        if not tracking or flow.error is None:
            return
        failure = TapFailure(str(flow.error.msg), before_response=flow.response is None)
        with self._lock:
            self._by_tracking[tracking] = failure

    def tcp_error(self, flow: tcp.TCPFlow) -> None:
        peer = flow.client_conn.peername
        if not peer or flow.error is None:
            return
        answered = any(not m.from_client for m in flow.messages)
        with self._lock:
            self._by_port[int(peer[1])] = TapFailure(str(flow.error.msg), before_response=not answered)
            self._ended_ports.add(int(peer[1]))

    def tcp_end(self, flow: tcp.TCPFlow) -> None:
        peer = flow.client_conn.peername
        if peer:
            with self._lock:
                self._ended_ports.add(int(peer[1]))

    def response(self, flow: http.HTTPFlow) -> None:
        if self._mint_path is not None and flow.response is not None:
            cred = flow.request.headers.get("Coder-Session-Token") or _bearer(flow.request.headers.get("Authorization"))
            self._mint_path.answered(flow.request.method, flow.request.path, flow.response.status_code,
                                     flow.response.get_content(strict=False) or b"", lambda: cred)

    # -- queries from the test thread --------------------------------------------------------
    def for_tracking(self, tracking_id: str) -> TapFailure | None:
        with self._lock:
            return self._by_tracking.pop(tracking_id, None)

    def for_port(self, port: int) -> TapFailure | None:
        with self._lock:
            return self._by_port.pop(int(port), None)

    def port_ended(self, port: int) -> bool:
        with self._lock:
            return int(port) in self._ended_ports


def _bearer(value: str | None) -> str | None:
    if value and value.lower().startswith("bearer "):
        return value[7:].strip()
    return None


__all__ = ["TapErrors", "TapFailure"]
