import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from aigw_common import netguard
from aigw_common.netguard import BlockedDestination, NetworkPolicy


@pytest.mark.parametrize("host,ok", [
    ("127.0.0.1", True), ("127.9.9.9", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("10.0.0.1", False), ("192.168.1.1", False), ("8.8.8.8", False), ("example.com", False),
    ("api.openai.com", False), ("API.OPENAI.COM", False), ("0.0.0.0", False),
])
def test_loopback_only(host, ok):
    assert netguard.LOOPBACK_ONLY.permits(host) is ok


def test_allowed_host_but_never_a_provider():
    pol = NetworkPolicy(allow_hosts=frozenset({"staging.example.com", "api.openai.com"}))
    assert pol.permits("staging.example.com")
    assert not pol.permits("api.openai.com")


def test_client_refuses_before_dialling(monkeypatch):
    import socket
    dialled = []
    real = socket.create_connection
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: dialled.append(a) or real(*a, **k))
    with netguard.client(timeout=2) as c:
        with pytest.raises(BlockedDestination):
            c.get("https://api.openai.com/v1/models")
        with pytest.raises(httpx.ConnectError):
            c.get("http://93.184.216.34/")
    assert dialled == []


def test_proxy_host_is_what_is_checked():
    with netguard.client(proxy="http://10.1.2.3:8888", timeout=2) as c:
        with pytest.raises(BlockedDestination):
            c.get("http://127.0.0.1:1/")


def test_loopback_request_goes_through():
    class H(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        with netguard.client(timeout=5) as c:
            assert c.get(f"http://127.0.0.1:{srv.server_port}/").status_code == 204
    finally:
        srv.shutdown()
        srv.server_close()


async def _async_blocked():
    async with netguard.async_client(timeout=2) as c:
        await c.get("https://api.anthropic.com/v1/messages")


def test_async_client_refuses():
    import asyncio
    with pytest.raises(BlockedDestination):
        asyncio.run(_async_blocked())


def test_plain_http_builds_no_verifying_context_and_https_still_verifies(tmp_path):
    """Loopback HTTP skips the CA bundle; https still gets full verification (a self-signed
    gateway certificate is refused), from one context shared per setting."""
    import ssl

    from tests.aigw_conformance.capture.servers import echo_server, tls_context

    ctx, _ = tls_context(tmp_path)
    plain, tls = echo_server(), echo_server(ctx)
    try:
        with netguard.client() as c:
            assert c.get(plain.url + "/x").status_code == 200
            assert c._transport._inner.built() and c._transport._inner._tls is None
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                c.get(tls.url + "/x")
            assert c._transport._inner._tls is not None
        with netguard.client(verify=False) as c:   # the explicit opt-out still works
            assert c.get(tls.url + "/x").status_code == 200
        assert netguard.tls_context(True) is netguard.tls_context(True)
        assert netguard.tls_context(True).verify_mode == ssl.CERT_REQUIRED
    finally:
        plain.close(), tls.close()


@pytest.mark.parametrize("keep", [True, False])
def test_a_cookieless_client_never_sends_back_a_cookie_it_was_given(keep):
    seen = []

    class H(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.headers.get("Cookie"))
            self.send_response(200)
            self.send_header("Set-Cookie", "csrf_token=abc; Path=/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        with netguard.client(timeout=5, keep_cookies=keep) as c:
            for _ in range(2):
                assert c.get(f"http://127.0.0.1:{srv.server_port}/").status_code == 200
            assert bool(c.cookies) is keep
            if not keep:
                with pytest.raises(ValueError):
                    c.cookies = {"a": "b"}
    finally:
        srv.shutdown()
        srv.server_close()
    # the ordinary client proves the server's cookie would ride along
    assert seen == [None, "csrf_token=abc"] if keep else seen == [None, None]
