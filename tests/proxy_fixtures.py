"""Fixtures of the proxy tests (runner/test_proxy*.py, aigw_reference/proxy/test_proxy_raw.py), one
set per process, registered in tests/conftest.py: a real reference proxy (mitmproxy) in a background event loop, a stand-in gateway
(a real loopback HTTP server that records what reached it) and the tunnel echo server.

mitmproxy allows one master per process, so `ReferenceProxy.use(settings)` restarts the single
proxy only when a test needs different settings; tests are grouped by settings to keep this rare.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from aigw_conformance.runner.tunnel_echo import start_tunnel_echo
from aigw_reference.proxy import ProxySettings, start_proxy

# -- every connect / DNS lookup this process makes, to prove nothing leaves loopback ---------------
CONNECTS: list[tuple] = []
LOOKUPS: list[str] = []


def _audit(event: str, args: tuple) -> None:
    if event == "socket.connect":
        CONNECTS.append(args[1])
    elif event == "socket.getaddrinfo":
        LOOKUPS.append(str(args[0]))


sys.addaudithook(_audit)


@dataclass
class Seen:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes


class _GatewayHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append(Seen(self.command, self.path, list(self.headers.items()), body))
        if self.path.endswith("/sse"):
            self._sse()
            return
        # Mimic aibridged's answer to a bogus token so tunnelled 403s can be checked end to end.
        if "bogus" in (self.headers.get("Authorization") or "") + (self.headers.get("X-Coder-AI-Governance-Token") or ""):
            out, status, ctype = b"unauthorized\n", 403, "text/plain; charset=utf-8"
        else:
            out, status, ctype = json.dumps({"path": self.path}).encode(), 200, "application/json"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def _sse(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for event in (b"data: one\n\n", b"data: two\n\n", b"data: [DONE]\n\n"):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    do_GET = do_POST = _any


@pytest.fixture
def netlog():
    """(connects, lookups) made by this process from now on (socket audit events)."""
    CONNECTS.clear()
    LOOKUPS.clear()
    return CONNECTS, LOOKUPS


@pytest.fixture(scope="session")
def gateway():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _GatewayHandler)
    server.seen = []
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def echo():
    e = start_tunnel_echo()
    yield e
    e.stop()


@dataclass
class ReferenceProxy:
    gateway_url: str
    state_dir: Path
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    handle: object = None
    settings: ProxySettings | None = None

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def _run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def use(self, settings: ProxySettings):
        # mitmproxy dispatches every new connection to the last master created in the process: after
        # a capture test's taps (a master of their own) ran in this worker, the proxy would answer
        # with the taps' addons (a CONNECT without credentials got 200). Restart it then.
        if self.settings != settings or not self._current():
            self.close_proxy()
            self.handle = self._run(start_proxy(settings, gateway_url=self.gateway_url, state_dir=self.state_dir))
            self.settings = settings
        return self.handle

    def _current(self) -> bool:
        from mitmproxy import ctx

        return self.handle is not None and getattr(ctx, "master", None) is self.handle.master

    def close_proxy(self) -> None:
        if self.handle is not None:
            self._run(self.handle.stop())
            self.handle = None
            self.settings = None

    def port(self) -> int:
        return int(self.handle.url.rsplit(":", 1)[1])


@pytest.fixture(scope="session")
def ref_proxy(gateway, tmp_path_factory):
    ref = ReferenceProxy(f"http://127.0.0.1:{gateway.server_address[1]}", tmp_path_factory.mktemp("proxy"))
    yield ref
    ref.close_proxy()
    ref.loop.call_soon_threadsafe(ref.loop.stop)
    ref.thread.join(5)


@pytest.fixture
def settings_for(echo):
    """Default reference settings, plus the echo's port so tunnels to it pass the port gate."""
    def make(**kw) -> ProxySettings:
        kw.setdefault("allowed_ports", ("80", "443", str(echo.port)))
        return ProxySettings(**kw)
    return make
