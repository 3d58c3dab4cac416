"""A tiny loopback gateway (stdlib http.server in a thread) for the plugin tests.

GET .../openai/v1/models answers 200 to `Authorization: Bearer <GOOD>` and 401 "unauthorized\\n"
otherwise; a garbage mode answers bytes that are not HTTP. Coder's key metadata route
(`GET /api/v2/users/me/keys/<id>`, the token in Coder-Session-Token) accepts GOOD and API_ONLY (a
token Coder's API accepts and the gateway refuses) and answers any other 401 "API key expired.".
The proxy's CA endpoint (`GET /api/v2/ai-gateway/proxy/ca-cert.pem`, AUTH-PROXY-009) answers
`FAKE_CA_PEM` to a Coder session of GOOD and 401 to anything else, as a gateway does.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GOOD = "goodtokid1-0123456789abcdefghijkl"
API_ONLY = "apionlyid1-0123456789abcdefghijkl"
FAKE_CA_PEM = "-----BEGIN CERTIFICATE-----\nZmFrZSBjYQ==\n-----END CERTIFICATE-----\n"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server API
        if self.path.startswith("/api/v2/users/me/keys/"):
            return self._coder_key()
        if self.path.endswith("/proxy/ca-cert.pem"):
            return self._ca_cert()
        if self.headers.get("Authorization") == f"Bearer {GOOD}":
            self._answer(200, "application/json", json.dumps({"data": []}).encode())
        else:
            self._answer(401, "text/plain; charset=utf-8", b"unauthorized\n")

    do_POST = do_GET

    def _coder_key(self):
        token = self.headers.get("Coder-Session-Token", "")
        if token in (GOOD, API_ONLY) and self.path.split("?")[0].rsplit("/", 1)[1] == token.split("-")[0]:
            body, status = {"id": token.split("-")[0], "expires_at": "2099-01-01T00:00:00Z"}, 200
        else:
            body, status = {"message": "API key expired."}, 401
        self._answer(status, "application/json", json.dumps(body).encode())

    def _ca_cert(self):
        if self.headers.get("Coder-Session-Token") == GOOD:
            self._answer(200, "application/x-pem-file", FAKE_CA_PEM.encode())
        else:
            self._answer(401, "application/json", b'{"message": "You must be logged in."}')

    def _answer(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep test output quiet
        pass


class FakeGateway:
    def __enter__(self) -> "FakeGateway":
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class _SocketServer:
    """A loopback listener in a thread; each accepted connection goes to `answer`, then is closed."""

    def __enter__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        return self

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                try:
                    self.answer(conn)
                except OSError:
                    pass

    def answer(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def __exit__(self, *exc) -> None:
        self.stop = True
        self.thread.join(2)
        self.sock.close()


class GarbageServer(_SocketServer):
    """Accepts connections and answers bytes that are not HTTP, then closes."""

    def answer(self, conn: socket.socket) -> None:
        conn.recv(65536)
        conn.sendall(b"\x00\x01garbage not http\r\n\r\n")


class FakeProxy(_SocketServer):
    """A CONNECT-only proxy on loopback: 200 for `Proxy-Authorization: Basic coder:<GOOD>`, 407 for
    anything else; `refuse_all` answers 407 to every handshake. It never dials anywhere."""

    GOOD_AUTH = "Basic " + base64.b64encode(f"coder:{GOOD}".encode()).decode()

    def __init__(self, refuse_all: bool = False) -> None:
        self.refuse_all = refuse_all

    def answer(self, conn: socket.socket) -> None:
        conn.settimeout(2)
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                break
            head += chunk
        auth = next((line.split(b":", 1)[1].strip().decode() for line in head.split(b"\r\n")
                     if line.lower().startswith(b"proxy-authorization:")), None)
        if auth == self.GOOD_AUTH and not self.refuse_all:
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            return
        conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                     b'Proxy-Authenticate: Basic realm="Coder AI Bridge Proxy"\r\n'
                     b"Proxy-Connection: close\r\nContent-Length: 29\r\n\r\nProxy Authentication Required")
