"""Tagging: every flow through a tap is bound to the test that caused it.

HTTP requests carry the test id in ``X-Aigw-Test-Id``; the header is popped in ``requestheaders``
(before mitmproxy opens the upstream connection) so the gateway never sees it. Raw TCP has nowhere
to put a header, so the proxy runner announces the test before it connects
(``expect_connection``) and, when it knows its local port, names it (``tag_port``). The announced
id is a single slot, not a queue: a connection that never reaches the tap cannot shift every later
tag by one, which a queue would. With one scenario thread per process that is exact.

The tag index (test id -> flow ids) is filled when a flow *starts*, because a client can finish
reading a streamed response, or close a tunnel, before the tap's end-of-flow hook has run.
"""

from __future__ import annotations

import threading
from collections import defaultdict

from mitmproxy import http, tcp

TEST_ID_HEADER = "X-Aigw-Test-Id"
META_TEST_ID = "aigw_test_id"
META_TAG_SOURCE = "aigw_tag_source"
META_ENDPOINT = "aigw_endpoint"


class TagIndex:
    """Thread-safe bookkeeping shared by the mitmproxy thread and the test thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current = ""
        self._ports: dict[int, str] = {}
        # test id -> flow ids in start order (a dict as an ordered set: untagged flows can be thousands)
        self._flows: dict[str, dict[str, None]] = defaultdict(dict)

    def expect(self, test_id: str) -> None:
        with self._lock:
            self._current = test_id or ""

    def tag_port(self, port: int, test_id: str) -> None:
        with self._lock:
            self._ports[int(port)] = test_id

    def current(self) -> str:
        with self._lock:
            return self._current

    def for_port(self, port: int | None) -> str | None:
        with self._lock:
            return self._ports.get(port) if port is not None else None

    def add(self, test_id: str, flow_id: str) -> None:
        with self._lock:
            self._flows[test_id][flow_id] = None

    def move(self, flow_id: str, old: str, new: str) -> None:
        with self._lock:
            self._flows.get(old, {}).pop(flow_id, None)
            self._flows[new][flow_id] = None

    def flows(self, test_id: str) -> list[str]:
        with self._lock:
            return list(self._flows.get(test_id, {}))


def client_port(flow: http.HTTPFlow | tcp.TCPFlow) -> int | None:
    peer = flow.client_conn.peername
    return peer[1] if peer else None


class Tagger:
    """Addon: pops the test-id header, tags TCP connections, keeps the Host header as sent.

    ``keep_host_header`` is on in the master, so mitmproxy does not rewrite Host; this addon rewrites
    it only when it names the tap itself (what the client wrote because it was pointed at the tap),
    so a scenario that sends an unusual Host on purpose still has it delivered verbatim.
    """

    def __init__(self, index: TagIndex, endpoints_by_mode: dict[str, tuple[str, str]]) -> None:
        # mode full_spec -> (endpoint name, upstream authority as the endpoint URL wrote it)
        self.index = index
        self.endpoints_by_mode = endpoints_by_mode
        self.tap_authorities: dict[str, set[str]] = {}

    def _tag(self, flow: http.HTTPFlow | tcp.TCPFlow, test_id: str, source: str) -> None:
        flow.metadata[META_TEST_ID] = test_id
        flow.metadata[META_TAG_SOURCE] = source
        flow.comment = f"test_id={test_id}" if test_id else ""
        self.index.add(test_id, flow.id)

    def _endpoint(self, flow: http.HTTPFlow | tcp.TCPFlow) -> tuple[str, str] | None:
        return self.endpoints_by_mode.get(flow.client_conn.proxy_mode.full_spec)

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        headers = flow.request.headers
        test_id = headers.get(TEST_ID_HEADER)
        if test_id is not None:
            del headers[TEST_ID_HEADER]  # removes every occurrence: the gateway never sees it
            self._tag(flow, test_id, "header")
        else:
            self._tag(flow, self.index.current(), "current")
        endpoint = self._endpoint(flow)
        if endpoint:
            flow.metadata[META_ENDPOINT] = endpoint[0]
            taps = self.tap_authorities.get(endpoint[0], set())
            if any(k.lower() == b"host" and v.decode("latin-1").lower() in taps for k, v in headers.fields):
                # Field by field, so order, name casing and any duplicate Host stay as sent.
                headers.fields = tuple(
                    (k, endpoint[1].encode() if k.lower() == b"host" and v.decode("latin-1").lower() in taps else v)
                    for k, v in headers.fields
                )

    def tcp_start(self, flow: tcp.TCPFlow) -> None:
        by_port = self.index.for_port(client_port(flow))
        if by_port is not None:
            self._tag(flow, by_port, "port")
        else:
            self._tag(flow, self.index.current(), "expected")
        endpoint = self._endpoint(flow)
        if endpoint:
            flow.metadata[META_ENDPOINT] = endpoint[0]

    def tcp_end(self, flow: tcp.TCPFlow) -> None:
        # tag_port may arrive after accept(): the port map wins over the announced id.
        retag(self, flow)

    def tcp_error(self, flow: tcp.TCPFlow) -> None:
        retag(self, flow)


def retag(tagger: Tagger, flow: tcp.TCPFlow) -> None:
    by_port = tagger.index.for_port(client_port(flow))
    old = flow.metadata.get(META_TEST_ID, "")
    if by_port is not None and by_port != old:
        tagger.index.move(flow.id, old, by_port)
        flow.metadata[META_TEST_ID] = by_port
        flow.metadata[META_TAG_SOURCE] = "port"
        flow.comment = f"test_id={by_port}"
