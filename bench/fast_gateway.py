"""A fast external gateway for the benchmarks: the standard library, its own process, 127.0.0.1 only.

It answers the one route the generated checks use, as the protocol says (PROTOCOL.md §0 error bodies):

    GET /api/v2/ai-gateway/openai/v1/models  (and the legacy /api/v2/aibridge prefix)
        Authorization: Bearer <AIGW_BENCH_TOKEN>   -> 200 OpenAI-style model list
        any other token                            -> 403 "unauthorized\\n"
        no token                                   -> 400 "no authentication key provided\\n"
    anything else                                  -> 404

and it counts the shape of every request it received (method, path, query keys, header names in order,
whether the token was the right one), so a benchmark can show that two clients sent the same requests:

    GET /_bench/shapes -> {"total": N, "shapes": [{"shape": {...}, "count": n}, ...]};  DELETE resets

Responses are written in one send with TCP_NODELAY (no Nagle wait between head and body); idle
kept-alive connections are closed after 5 s, as uvicorn does. The process ends by itself after an hour.

    python bench/fast_gateway.py STATE_FILE      (token from AIGW_BENCH_TOKEN; writes {"base_url": …})
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

ROUTES = ("/api/v2/ai-gateway/openai/v1/models", "/api/v2/aibridge/openai/v1/models")
MODELS = json.dumps({"object": "list", "data": [{"id": "gpt-bench", "object": "model", "owned_by": "bench"}]}).encode()
IDLE_TIMEOUT_S = 5.0
MAX_LIFETIME_S = 3600.0


class Shapes:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def add(self, shape: dict) -> None:
        with self._lock:
            self._counts[json.dumps(shape, sort_keys=True)] += 1

    def dump(self) -> dict:
        with self._lock:
            items = self._counts.most_common()
        return {"total": sum(n for _, n in items), "shapes": [{"shape": json.loads(s), "count": n} for s, n in items]}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


def make_handler(token: str, shapes: Shapes):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"          # keep-alive
        timeout = IDLE_TIMEOUT_S

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _answer(self, status: int, body: bytes, ctype: str) -> None:
            head = (f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}\r\n"
                    f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                    f"X-Content-Type-Options: nosniff\r\n\r\n").encode("latin-1")
            self.wfile.write(head + body)     # one write: head and body in one segment

        def _text(self, status: int, msg: str) -> None:
            self._answer(status, (msg + "\n").encode(), "text/plain; charset=utf-8")

        def do_GET(self) -> None:  # noqa: N802 - http.server API
            url = urlsplit(self.path)
            if url.path == "/_bench/shapes":
                return self._answer(200, json.dumps(shapes.dump()).encode(), "application/json")
            auth = self.headers.get("Authorization")
            if url.path in ROUTES:
                shapes.add({"method": "GET", "path": url.path,
                            "query": sorted(k for k, _ in parse_qsl(url.query, keep_blank_values=True)),
                            "headers": [k.lower() for k in self.headers.keys()],
                            "token": "valid" if auth == f"Bearer {token}" else ("none" if auth is None else "other")})
                if not auth:
                    return self._text(400, "no authentication key provided")
                if auth != f"Bearer {token}":
                    return self._text(403, "unauthorized")
                return self._answer(200, MODELS, "application/json")
            return self._text(404, "not found")

        def do_DELETE(self) -> None:  # noqa: N802
            if urlsplit(self.path).path == "/_bench/shapes":
                shapes.reset()
                return self._answer(204, b"", "text/plain")
            return self._text(404, "not found")

        def log_message(self, *args) -> None:   # quiet: no per-request line
            pass

    return Handler


def main(state_file: Path) -> None:
    token = os.environ.get("AIGW_BENCH_TOKEN", "")
    if not token:
        sys.exit("AIGW_BENCH_TOKEN is not set")
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(token, Shapes()))
    server.daemon_threads = True
    host, port = server.server_address[:2]
    tmp = state_file.with_suffix(".tmp")
    tmp.write_text(json.dumps({"base_url": f"http://{host}:{port}", "pid": os.getpid()}))
    os.replace(tmp, state_file)
    ender = threading.Timer(MAX_LIFETIME_S, server.shutdown)
    ender.daemon = True
    ender.start()
    server.serve_forever()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
