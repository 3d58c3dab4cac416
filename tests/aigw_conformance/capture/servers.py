"""Small real loopback servers for the capture tests: they record raw bytes, so a test can compare
exactly what reached the "gateway" with and without the tap."""

from __future__ import annotations

import socket
import socketserver
import ssl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

TIMEOUT = 5.0


def read_request(conn: socket.socket) -> bytes:
    """One HTTP/1.1 request, head + Content-Length body, raw."""
    conn.settimeout(TIMEOUT)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    chunked = b"transfer-encoding: chunked" in head.lower()
    while (len(body) < length) or (chunked and not body.endswith(b"0\r\n\r\n")):
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


@dataclass
class Server:
    server: socketserver.ThreadingTCPServer
    seen: list[bytes] = field(default_factory=list)
    gate: threading.Event = field(default_factory=threading.Event)
    scheme: str = "http"

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _serve(handle, ssl_ctx: ssl.SSLContext | None = None) -> Server:
    holder: dict = {}

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            conn = self.request
            if ssl_ctx is not None:
                try:
                    conn = ssl_ctx.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):   # a client that does not trust the certificate hangs up
                    return
            handle(holder["s"], conn)

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    s = Server(srv, scheme="https" if ssl_ctx else "http")
    holder["s"] = s
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return s


def _echo(s: Server, conn: socket.socket) -> None:
    raw = read_request(conn)
    s.seen.append(raw)
    body = b'{"ok": true, "echo": ' + str(len(raw)).encode() + b"}"
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                 + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
    conn.close()


def echo_server(ssl_ctx: ssl.SSLContext | None = None) -> Server:
    return _serve(_echo, ssl_ctx)


def _sse(s: Server, conn: socket.socket) -> None:
    s.seen.append(read_request(conn))
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
                 b"Connection: close\r\n\r\n")
    first = b"data: first\n\n"
    conn.sendall(b"%x\r\n%s\r\n" % (len(first), first))
    # The second event only goes out once the client has seen the first: a buffering tap deadlocks
    # here until the gate times out, and the test sees the order.
    s.gate.wait(TIMEOUT)
    second = b"data: second\n\n"
    conn.sendall(b"%x\r\n%s\r\n0\r\n\r\n" % (len(second), second))
    conn.close()


def sse_server() -> Server:
    return _serve(_sse)


def _proxy407(s: Server, conn: socket.socket) -> None:
    raw = read_request(conn)
    s.seen.append(raw)
    if b"proxy-authorization: basic " in raw.lower() and b"good" in raw:
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        conn.settimeout(TIMEOUT)
        data = conn.recv(65536)  # the tunnel: echo one message back
        conn.sendall(data)
    else:
        body = b"Proxy Authentication Required\n"
        conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"aibridge\"\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        time.sleep(0.05)  # body as its own segment, as a real proxy may send it
        conn.sendall(body)
    conn.close()


def proxy_server() -> Server:
    return _serve(_proxy407)


def tls_context(tmp: Path) -> tuple[ssl.SSLContext, Path]:
    """A server certificate for 127.0.0.1 signed by a CA of its own (`tmp`/aigwtest-ca-cert.pem),
    made with mitmproxy's cert store."""
    import ipaddress

    from cryptography import x509
    from mitmproxy import certs

    tmp.mkdir(parents=True, exist_ok=True)
    store = certs.CertStore.from_store(tmp, "aigwtest", 2048)
    # an IP subject alternative name: a verifying client (the tap, httpx) matches 127.0.0.1 against it
    entry = store.get_cert("127.0.0.1", [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert_path, key_path = tmp / "srv.pem", tmp / "srv.key"
    cert_path.write_bytes(entry.cert.to_pem())
    key_path.write_bytes(certs.dump_pem_private_key(entry.privatekey) if hasattr(certs, "dump_pem_private_key")
                         else _key_pem(entry.privatekey))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_path, key_path)
    return ctx, cert_path


def _key_pem(key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def raw_exchange(port: int, data: bytes, timeout: float = TIMEOUT) -> bytes:
    """Send raw bytes, read until the peer closes (bounded)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        out = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            out += chunk
        return out
