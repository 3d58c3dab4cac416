"""The reference proxy's rules, checked with a raw socket client (AUTH-PROXY-002..007)."""

from __future__ import annotations

import base64
import socket
import ssl
import time

import pytest

from ...refusing_port import refusing_port

TOK = "AbCdEf1234-s3cretvalue0123456789"
EXACT_407 = (
    b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 29\r\n"
    b'Proxy-Authenticate: Basic realm="Coder AI Bridge Proxy"\r\nProxy-Connection: close\r\n\r\n'
    b"Proxy Authentication Required"
)


def basic(userpass: str) -> str:
    return "Basic " + base64.b64encode(userpass.encode()).decode()


def exchange(port: int, data: bytes, wait: float = 2.0) -> tuple[bytes, bool]:
    """Send bytes, read until EOF or quiet; (bytes, closed)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=wait)
    try:
        s.sendall(data)
        out = b""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            s.settimeout(0.5 if out else wait)
            try:
                chunk = s.recv(65536)
            except (TimeoutError, socket.timeout):
                return out, False
            if not chunk:
                return out, True
            out += chunk
        return out, False
    finally:
        s.close()


def connect(authority: str, auth: str | None = None) -> bytes:
    lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}"]
    if auth is not None:
        lines.append(f"Proxy-Authorization: {auth}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@pytest.fixture
def proxy(ref_proxy, settings_for):
    ref_proxy.use(settings_for())
    return ref_proxy


@pytest.mark.parametrize("auth", [None, basic(TOK), basic("user:"), f"Bearer {TOK}", "Basic !!!"])
def test_missing_or_invalid_credentials_get_exact_407_and_close(proxy, auth):
    out, closed = exchange(proxy.port(), connect("api.openai.com:443", auth))
    assert out == EXACT_407
    assert closed


def test_port_off_the_list_closes_without_response(proxy):
    out, closed = exchange(proxy.port(), connect("api.openai.com:8443", basic("coder:" + TOK)))
    assert (out, closed) == (b"", True)


def test_valid_basic_opens_the_tunnel_without_validating(proxy):
    out, closed = exchange(proxy.port(), connect("api.openai.com:443", basic("coder:bogus-token")), wait=0.8)
    assert out.startswith(b"HTTP/1.1 200 ")
    assert not closed


def test_upper_case_host_is_not_intercepted(proxy):
    # Exact match fails, so it is a tunnel: never a 407, even without credentials. The reference
    # never dials a name, so the tunnel is refused as blocked.
    out, closed = exchange(proxy.port(), connect("API.OPENAI.COM:443"))
    assert out == b"HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\nContent-Type: text/plain\r\n\r\nForbidden"
    assert closed


@pytest.mark.parametrize("target", ["example.com:443", "8.8.8.8:443", "10.1.2.3:443", "[2001:4860::8888]:443"])
def test_non_loopback_tunnels_are_blocked_and_never_dialled(proxy, target, netlog):
    CONNECTS, LOOKUPS = netlog
    out, closed = exchange(proxy.port(), connect(target))
    assert out.startswith(b"HTTP/1.1 403 Forbidden\r\n") and closed
    assert LOOKUPS == [] or all(h in ("127.0.0.1", "localhost") for h in LOOKUPS)
    assert all(addr[0] in ("127.0.0.1", "::1") for addr in CONNECTS), CONNECTS


def test_provider_host_is_never_dialled(proxy, gateway, netlog):
    """CONNECT to a provider host and a full request through it: the only dials are loopback."""
    CONNECTS, LOOKUPS = netlog
    ctx = ssl.create_default_context(cadata=proxy.handle.ca_cert_pem)
    s = socket.create_connection(("127.0.0.1", proxy.port()), timeout=5)
    s.sendall(connect("api.openai.com:443", basic("coder:" + TOK)))
    assert s.recv(4096).startswith(b"HTTP/1.1 200 ")
    t = ctx.wrap_socket(s, server_hostname="api.openai.com")
    t.sendall(b"GET /v1/models HTTP/1.1\r\nHost: api.openai.com\r\nConnection: close\r\n\r\n")
    data = b""
    while chunk := t.recv(65536):
        data += chunk
    t.close()
    assert data.startswith(b"HTTP/1.1 200")
    assert gateway.seen[-1].path == "/api/v2/aibridge/openai/v1/models"
    # The proxy's own dial to the gateway was seen, so the hook does observe the proxy's dials.
    assert ("127.0.0.1", gateway.server_address[1]) in [tuple(a[:2]) for a in CONNECTS]
    assert all(addr[0] in ("127.0.0.1", "::1") for addr in CONNECTS), CONNECTS
    assert not any("openai" in h for h in LOOKUPS)
    assert proxy.handle.guard.refused == []


def test_loopback_tunnel_reaches_the_echo(proxy, echo):
    out, closed = exchange(proxy.port(), connect(echo.authority), wait=0.8)
    assert out.startswith(b"HTTP/1.1 200 ") and not closed


def test_dead_loopback_port_is_bad_gateway(ref_proxy, settings_for):
    with refusing_port() as dead:
        ref_proxy.use(settings_for(allowed_ports=("80", "443", str(dead))))
        out, closed = exchange(ref_proxy.port(), connect(f"127.0.0.1:{dead}"))
    assert out == b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\nBad Gateway"
    assert closed


def test_plain_http_proxy_request_gets_407(proxy, gateway):
    before = len(gateway.seen)
    out, _ = exchange(proxy.port(), b"GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n", wait=1)
    head, _, body = out.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 407 ")
    assert b'Proxy-Authenticate: Basic realm="Coder AI Bridge Proxy"' in head
    assert b"Content-Type: text/plain" in head
    assert body == b"Proxy authentication required"
    assert len(gateway.seen) == before


def test_listen_failure_is_an_error_not_an_exit(ref_proxy, settings_for):
    """A busy port must raise a readable error; mitmproxy's ErrorCheck would exit the process."""
    from aigw_reference.proxy import start_proxy

    ref_proxy.close_proxy()
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        with pytest.raises(RuntimeError, match="could not listen on 127.0.0.1"):
            ref_proxy._run(start_proxy(settings_for(port=busy.getsockname()[1]),
                                       gateway_url=ref_proxy.gateway_url, state_dir=ref_proxy.state_dir))
    finally:
        busy.close()
    # and the process can start a proxy again afterwards
    assert ref_proxy.use(settings_for()).url.startswith("http://127.0.0.1:")
