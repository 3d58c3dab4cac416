"""CONNECT handshake recorder for the raw TCP tap in front of the gateway's proxy.

The tap is ``reverse:tcp``: bytes pass through unchanged, and ``tcp_message`` sees them as they
arrive. mitmproxy's chunking is not stable across versions (a 407 body may come as its own
message), so the transcript joins messages per direction: the client's bytes up to the end of its
first request head, and the proxy's bytes until the client speaks again (the TLS ClientHello inside
an opened tunnel) or the connection ends. Later tunnel bytes stay in the flow, not the transcript.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field

from mitmproxy import tcp

from .tagging import META_TEST_ID, client_port

MAX_PART = 64 * 1024


@dataclass
class Transcript:
    conn: str                       # the TCP flow id in traffic.mitm
    test_id: str
    client_port: int | None
    started: float
    request: bytearray = field(default_factory=bytearray)
    response: bytearray = field(default_factory=bytearray)
    request_complete: bool = False
    tunnel_started: bool = False
    error: str = ""

    def status(self) -> int | None:
        first = bytes(self.response).split(b"\r\n", 1)[0].split(b" ")
        if len(first) >= 2 and first[0].startswith(b"HTTP/") and first[1].isdigit():
            return int(first[1])
        return None

    def to_json(self, redact_bytes) -> dict:
        d = asdict(self)
        d["test_id"] = redact_bytes(self.test_id.encode()).decode("utf-8", "replace")
        d["request"] = redact_bytes(bytes(self.request)).decode("latin-1")
        d["response"] = redact_bytes(bytes(self.response)).decode("latin-1")
        d["error"] = redact_bytes(self.error.encode()).decode("utf-8", "replace")
        d["status"] = self.status()
        return d


def feed(t: Transcript, from_client: bool, data: bytes) -> None:
    """Add one message to the transcript (pure, so it is testable without mitmproxy)."""
    if from_client:
        if t.request_complete:
            t.tunnel_started = True
            return
        t.request.extend(data[: MAX_PART - len(t.request)])
        if b"\r\n\r\n" in t.request:
            head, _, _ = bytes(t.request).partition(b"\r\n\r\n")
            del t.request[len(head) + 4:]
            t.request_complete = True
    elif not t.tunnel_started:
        t.response.extend(data[: MAX_PART - len(t.response)])


class HandshakeRecorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.transcripts: dict[str, Transcript] = {}

    def tcp_start(self, flow: tcp.TCPFlow) -> None:
        with self._lock:
            self.transcripts[flow.id] = Transcript(
                conn=flow.id,
                test_id=flow.metadata.get(META_TEST_ID, ""),
                client_port=client_port(flow),
                started=time.time(),
            )

    def tcp_message(self, flow: tcp.TCPFlow) -> None:
        t = self.transcripts.get(flow.id)
        if t is not None and flow.messages:
            msg = flow.messages[-1]
            feed(t, msg.from_client, msg.content)

    def tcp_end(self, flow: tcp.TCPFlow) -> None:
        self._finish(flow, "")

    def tcp_error(self, flow: tcp.TCPFlow) -> None:
        self._finish(flow, flow.error.msg if flow.error else "error")

    def _finish(self, flow: tcp.TCPFlow, error: str) -> None:
        t = self.transcripts.get(flow.id)
        if t is None:
            return
        t.test_id = flow.metadata.get(META_TEST_ID, t.test_id)  # after a port retag
        t.error = error

    def for_test(self, test_id: str) -> list[Transcript]:
        with self._lock:
            return [t for t in self.transcripts.values() if t.test_id == test_id]

    def all(self) -> list[Transcript]:
        with self._lock:
            return list(self.transcripts.values())
