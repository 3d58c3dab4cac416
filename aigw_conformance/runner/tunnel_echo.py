"""A loopback TLS echo server: the destination of tunnel scenarios (AUTH-PROXY-003).

A CONNECT to a host the proxy does not intercept must be tunnelled untouched. This server answers
every HTTP/1.1 request with `200`, the header `X-Aigw-Tunnel-Echo: 1` and, as body, the exact bytes
it received, so a check can prove both that the request arrived here (not at the gateway) and that
nothing was added (no governance headers, no rewritten path). It has its own CA (`ca_pem`), which
the proxy runner must trust for the tunnel's TLS.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import socketserver
import ssl
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from .transport_errors import host_port


ECHO_HEADER = "X-Aigw-Tunnel-Echo"
MAX_REQUEST = 1024 * 1024
READ_TIMEOUT = 5.0


def _self_signed(common_name: str) -> tuple[bytes, bytes]:
    """A CA-flagged self-signed certificate for 127.0.0.1/::1/localhost, and its key (PEM)."""
    # Here, not at the top: cryptography costs ~30 ms to import, and a run whose target has no
    # proxy never starts the echo.
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([
                x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                x509.IPAddress(ipaddress.ip_address("::1")),
            ]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < MAX_REQUEST:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length" and v.strip().isdigit():
            length = min(int(v), MAX_REQUEST)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server: _Server = self.server  # type: ignore[assignment]
        try:
            self.request.settimeout(READ_TIMEOUT)
            conn = server.context.wrap_socket(self.request, server_side=True)
            received = _read_request(conn)
            server.seen.append(received)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\n" + ECHO_HEADER.encode() + b": 1\r\nContent-Type: application/octet-stream\r\n"
                + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(received) + received
            )
            conn.close()
        except (OSError, ssl.SSLError):
            return   # probes and aborted handshakes are normal here


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    context: ssl.SSLContext
    seen: list[bytes]


class _Server6(_Server):
    address_family = socket.AF_INET6


@dataclass
class TunnelEcho:
    host: str
    port: int
    ca_pem: str
    _server: _Server
    _thread: threading.Thread

    @property
    def authority(self) -> str:
        return host_port(self.host, self.port)

    @property
    def seen(self) -> list[bytes]:
        return self._server.seen

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def start_tunnel_echo(host: str = "127.0.0.1", port: int = 0) -> TunnelEcho:
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"the tunnel echo only listens on loopback, not {host}")
    cert_pem, key_pem = _self_signed("aigw tunnel echo")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as tmp:
        cert_file, key_file = Path(tmp) / "c.pem", Path(tmp) / "k.pem"
        cert_file.write_bytes(cert_pem)
        key_file.write_bytes(key_pem)
        ctx.load_cert_chain(cert_file, key_file)
    server = (_Server6 if ":" in host else _Server)((host, port), _Handler)
    server.context = ctx
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True,
                              name="aigw-tunnel-echo")
    thread.start()
    return TunnelEcho(host, server.server_address[1], cert_pem.decode(), server, thread)


__all__ = ["ECHO_HEADER", "TunnelEcho", "start_tunnel_echo"]
