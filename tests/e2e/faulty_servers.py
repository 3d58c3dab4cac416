"""Targets that are not gateways: one that hangs after accepting, one that answers garbage (a
closed port is tests/refusing_port.py). Each is a real loopback socket; none of them ever produces
an HTTP answer."""

from __future__ import annotations

import socket
import threading


class _Listener:
    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(2)
        for c in self._held:
            c.close()
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.handle(conn)

    def handle(self, conn: socket.socket) -> None:
        raise NotImplementedError


class HangingServer(_Listener):
    """Accepts every connection and never answers (keeps it open until the test ends)."""

    def handle(self, conn: socket.socket) -> None:
        self._held.append(conn)


class GarbageServer(_Listener):
    """Reads a little, answers bytes that are not HTTP, closes."""

    def handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(1)
                conn.recv(65536)
                conn.sendall(b"\x00\x01SSH-2.0-not-http\r\n\r\n")
            except OSError:
                pass
