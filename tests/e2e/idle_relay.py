"""A TCP relay in front of a real gateway that plays a server (or load balancer) whose idle timer
races the client: a request that arrives on a kept-alive connection idle for longer than `idle_s`
is read and the connection closed without an answer, as happens when the server's idle close and the
client's next request cross on the wire.

uvicorn's own keep-alive timer almost never loses that race on loopback (the client sees the close
before it sends, and opens a fresh connection), so a test of the harness's one retry needs the race
made certain. Everything else is relayed byte for byte; nothing here parses HTTP.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time


class IdleRacingRelay:
    def __init__(self, upstream: tuple[str, int], idle_s: float) -> None:
        self.upstream, self.idle_s = upstream, idle_s
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.raced = 0              # requests closed unanswered on an idle connection
        self.connections = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> "IdleRacingRelay":
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(3)
        self.sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.sock.accept()
            except OSError:
                continue
            with self._lock:
                self.connections += 1
            t = threading.Thread(target=self._pump, args=(client,), daemon=True)
            t.start()
            self._threads.append(t)

    def _pump(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            client.close()
            return
        sel = selectors.DefaultSelector()
        sel.register(client, selectors.EVENT_READ, server)
        sel.register(server, selectors.EVENT_READ, client)
        answered_at: float | None = None      # when the last response byte went to the client
        try:
            while not self._stop.is_set():
                for key, _ in sel.select(timeout=0.2):
                    src: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = src.recv(65536)
                    if not data:
                        return
                    if src is client and answered_at is not None and time.monotonic() - answered_at > self.idle_s:
                        with self._lock:
                            self.raced += 1
                        return            # the idle timer won: closed, no byte of an answer
                    key.data.sendall(data)
                    if src is server:
                        answered_at = time.monotonic()
        except OSError:
            return
        finally:
            sel.close()
            client.close()
            server.close()
